package importclash

import (
	"context"
	"sync/atomic"
	"testing"

	cachepkg "github.com/cachegen/cachegen/cache"
)

type fake struct{ gets, finds atomic.Int64 }

func (f *fake) Get(ctx context.Context, id int64) (Article, error) {
	f.gets.Add(1)
	return Article{ID: id, Title: "t"}, nil
}

func (f *fake) Find(ctx context.Context, labels map[string]string) ([]Article, error) {
	f.finds.Add(1)
	return []Article{{ID: int64(len(labels))}}, nil
}

func (f *fake) Cursor(ctx context.Context) (next, error) { return next{After: 7}, nil }

func (f *fake) Put(ctx context.Context, a Article) error { return nil }

func TestImportsDoNotClash(t *testing.T) {
	cache.Store("k", 1) // the user's own names still work beside the generated file
	maps["a"], time = 1, 4
	_ = slices
	ctx := context.Background()
	f := &fake{}
	r := NewCachedArticleRepository(f, cachepkg.New(cachepkg.NewMemoryStore()))
	for range 2 {
		r.Get(ctx, 1)
		r.Find(ctx, map[string]string{"b": "2", "a": "1"})
	}
	r.Find(ctx, map[string]string{"a": "1", "b": "2"}) // the same map: the same key
	if f.gets.Load() != 1 || f.finds.Load() != 1 {
		t.Fatalf("Get reached the repository %d times, Find %d; want 1 and 1", f.gets.Load(), f.finds.Load())
	}
	if n, _ := r.Cursor(ctx); n.After != 7 {
		t.Fatalf("Cursor: %+v", n)
	}
	r.Put(ctx, Article{})
	r.Get(ctx, 1)
	if f.gets.Load() != 2 {
		t.Fatalf("after Put: %d Gets, want 2", f.gets.Load())
	}
}
