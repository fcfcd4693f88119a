package nextmethod

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type fake struct{ nexts, closes int }

func (f *fake) next(ctx context.Context, after int64) (int64, error) {
	f.nexts++
	return after + 1, nil
}

func (f *fake) Close() error { f.closes++; return nil }

func TestMethodNamedNext(t *testing.T) {
	f := &fake{}
	c := NewCachedCursor(f, cache.New(cache.NewMemoryStore()))
	for range 2 {
		if n, err := c.next(context.Background(), 1); n != 2 || err != nil {
			t.Fatalf("next: %d, %v", n, err)
		}
	}
	c.Close()
	if f.nexts != 1 || f.closes != 1 {
		t.Fatalf("next reached the repository %d times (want 1), Close %d (want 1)", f.nexts, f.closes)
	}
}
