package splitrw

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type fake struct{ gets int }

func (f *fake) Get(ctx context.Context, id int64) (Book, error) {
	f.gets++
	return Book{ID: id}, nil
}

func (f *fake) Put(ctx context.Context, b Book) error { return nil }

func TestWriterInvalidatesReader(t *testing.T) {
	ctx := context.Background()
	c := cache.New(cache.NewMemoryStore())
	f := &fake{}
	r, w := NewCachedBookReader(f, c), NewCachedBookWriter(f, c)
	r.Get(ctx, 1)
	r.Get(ctx, 1)
	w.Put(ctx, Book{ID: 1})
	r.Get(ctx, 1)
	if f.gets != 2 {
		t.Fatalf("%d Gets reached the repository, want 2", f.gets)
	}
}
