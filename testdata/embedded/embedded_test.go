package embedded

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type fake struct{ gets, finds, loads int }

func (f *fake) Get(ctx context.Context, id int64) (Book, error) {
	f.gets++
	return Book{ID: id}, nil
}

func (f *fake) Find(ctx context.Context, q string) ([]string, error) {
	f.finds++
	return []string{q}, nil
}

func (f *fake) Put(ctx context.Context, b Book) error { return nil }

func (f *fake) Load(ctx context.Context, id int64) (Book, error) {
	f.loads++
	return Book{ID: id}, nil
}

func (f *fake) Save(ctx context.Context, b Book) error { return nil }

func TestEmbeddedMethodsAreCached(t *testing.T) {
	ctx := context.Background()
	c := cache.New(cache.NewMemoryStore())
	f := &fake{}
	r := NewCachedRepo(f, c)
	for range 2 {
		r.Get(ctx, 1)
		r.Find(ctx, "dune")
	}
	if f.gets != 1 || f.finds != 1 {
		t.Fatalf("Get reached the repository %d times, Find %d; want 1 and 1", f.gets, f.finds)
	}
	r.Put(ctx, Book{})
	r.Get(ctx, 1)
	r.Find(ctx, "dune")
	if f.gets != 2 || f.finds != 2 {
		t.Fatalf("after Put: Get %d, Find %d; want 2 and 2", f.gets, f.finds)
	}

	s := NewCachedBookStore(f, c)
	s.Load(ctx, 1)
	s.Load(ctx, 1)
	s.Save(ctx, Book{})
	s.Load(ctx, 1)
	if f.loads != 2 {
		t.Fatalf("BookStore.Load reached the repository %d times, want 2", f.loads)
	}
}
