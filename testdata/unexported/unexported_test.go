package unexported

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type store struct{ loads int }

func (s *store) title(ctx context.Context, id int64) (string, error) {
	s.loads++
	return "Dune", nil
}

func TestUnexportedWrapper(t *testing.T) {
	s := &store{}
	var repo bookStore = newCachedBookStore(s, cache.New(cache.NewMemoryStore()))
	for range 2 {
		if got, err := repo.title(context.Background(), 1); err != nil || got != "Dune" {
			t.Fatal(got, err)
		}
	}
	if s.loads != 1 {
		t.Fatalf("%d loads, want 1", s.loads)
	}
}
