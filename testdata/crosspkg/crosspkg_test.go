package crosspkg

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/testdata/crosspkg/query"
)

type store struct {
	hours map[int64]bool
	reads int
}

func (s *store) UpdateHour(ctx context.Context, h Hour) error {
	s.hours[h.At] = h.Available
	return nil
}

func (s *store) AvailableHours(ctx context.Context, from, to int64) ([]query.Hour, error) {
	s.reads++
	var out []query.Hour
	for at := from; at < to; at++ {
		out = append(out, query.Hour{At: at, Available: s.hours[at]})
	}
	return out, nil
}

func TestWriteInvalidatesTheReadModel(t *testing.T) {
	ctx := context.Background()
	c := cache.New(cache.NewMemoryStore())
	s := &store{hours: map[int64]bool{}}
	w, r := NewCachedRepository(s, c), query.NewCachedAvailableHoursReadModel(s, c)
	r.AvailableHours(ctx, 0, 2)
	r.AvailableHours(ctx, 0, 2)
	if err := w.UpdateHour(ctx, Hour{At: 1, Available: true}); err != nil {
		t.Fatal(err)
	}
	hours, _ := r.AvailableHours(ctx, 0, 2)
	if s.reads != 2 || !hours[1].Available {
		t.Fatalf("after UpdateHour: %d reads (want 2), hours %+v", s.reads, hours)
	}
}
