package namecollide

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type fake struct{ calls int }

func (f *fake) Get(ctx context.Context, id int64) (User, error) {
	f.calls++
	return User{ID: id}, nil
}

func (f *fake) CList(ctx context.Context, page int) ([]User, int, error) {
	f.calls++
	return []User{{ID: int64(page)}}, page + 1, nil
}

func (f *fake) List(ctx context.Context, page int) ([]User, bool, error) {
	f.calls++
	return []User{{ID: int64(page)}}, true, nil
}

func TestEveryWrapperIsGenerated(t *testing.T) {
	ctx := context.Background()
	c := cache.New(cache.NewMemoryStore())
	f := &fake{}
	a, b := NewCachedUserRepo(f, c), NewCachedUserrepo(f, c)
	ab, abc := NewCachedAB(f, c), NewCachedABC(f, c)
	for range 2 {
		a.Get(ctx, 1)
		b.Get(ctx, 1)
		if us, next, _ := ab.CList(ctx, 3); len(us) != 1 || next != 4 {
			t.Fatalf("CList: %v, %d", us, next)
		}
		if us, more, _ := abc.List(ctx, 3); len(us) != 1 || !more {
			t.Fatalf("List: %v, %v", us, more)
		}
	}
	if f.calls != 4 {
		t.Fatalf("%d repository calls over two rounds of 4 methods, want 4", f.calls)
	}
}
