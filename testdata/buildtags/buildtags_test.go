package buildtags

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type repo struct{ calls int }

func (r *repo) Hour(ctx context.Context, at int64) (Hour, error) {
	r.calls++
	return Hour{At: at}, nil
}

func (r *repo) Hours(ctx context.Context) ([]Hour, error) {
	r.calls++
	return []Hour{{At: 1}}, nil
}

func (r *repo) Save(ctx context.Context, h Hour) error { return nil }

func TestWrappers(t *testing.T) {
	ctx := context.Background()
	c := cache.New(cache.NewMemoryStore())
	r := &repo{}
	rw, sw := NewCachedRepo(r, c), NewCachedStore(r, c)
	for range 2 {
		rw.Hour(ctx, 1)
		sw.Hours(ctx)
	}
	if r.calls != 2 {
		t.Fatalf("%d repository calls, want 2", r.calls)
	}
}
