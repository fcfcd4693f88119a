package getters

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type repo struct{ calls int }

func (r *repo) Get(ctx context.Context, uuid string) (View, error) {
	r.calls++
	return View{UUID: uuid}, nil
}

func (r *repo) Reload(ctx context.Context, t *Training) (View, error) {
	r.calls++
	if t == nil {
		return View{}, nil
	}
	return View{UUID: t.UUID(), Owner: t.Owner().ID}, nil
}

func (r *repo) Hour(ctx context.Context, h Hour) (int, error) {
	r.calls++
	return h.Hour(), nil
}

func (r *repo) Update(ctx context.Context, t *Training) error { return nil }
func (r *repo) Touch(ctx context.Context, e Entity) error     { return nil }
func (r *repo) Replace(ctx context.Context, v Training) error { return nil }

type entity string

func (e entity) ID() string { return string(e) }

// TestGetters: a write naming training:{t.UUID()} invalidates the entries
// of that training only; keys made of getters tell calls apart; a nil
// entity invalidates the whole family instead of panicking.
func TestGetters(t *testing.T) {
	ctx := context.Background()
	r := &repo{}
	c := NewCachedTrainings(r, cache.New(cache.NewMemoryStore()))
	a, b := NewTraining("a", Owner{ID: 1}), NewTraining("b", Owner{ID: 2})
	c.Get(ctx, "a")
	c.Get(ctx, "b")
	if err := c.Update(ctx, a); err != nil {
		t.Fatal(err)
	}
	c.Get(ctx, "a") // invalidated
	c.Get(ctx, "b") // still cached
	if r.calls != 3 {
		t.Fatalf("after Update(a): %d repository calls, want 3", r.calls)
	}
	c.Touch(ctx, entity("b"))
	c.Get(ctx, "b")
	if r.calls != 4 {
		t.Fatalf("after Touch(b): %d repository calls, want 4", r.calls)
	}
	c.Replace(ctx, *NewTraining("b", Owner{}))
	c.Get(ctx, "b")
	if r.calls != 5 {
		t.Fatalf("after Replace(b): %d repository calls, want 5", r.calls)
	}
	c.Touch(ctx, nil) // the whole family
	c.Get(ctx, "a")
	if r.calls != 6 {
		t.Fatalf("after Touch(nil): %d repository calls, want 6", r.calls)
	}

	r.calls = 0
	v1, _ := c.Reload(ctx, a)
	v2, _ := c.Reload(ctx, b)
	c.Reload(ctx, a)
	if v1.Owner != 1 || v2.Owner != 2 || r.calls != 2 {
		t.Fatalf("Reload: %+v %+v with %d calls; want owners 1 and 2 and 2 calls", v1, v2, r.calls)
	}
	c.Reload(ctx, nil) // bypasses the cache
	c.Reload(ctx, nil)
	if r.calls != 4 {
		t.Fatalf("Reload(nil): %d calls, want 4 (a nil entity bypasses the cache)", r.calls)
	}

	r.calls = 0
	for range 2 {
		c.Hour(ctx, NewHour(7))
		c.Hour(ctx, NewHour(8))
	}
	if got, _ := c.Hour(ctx, NewHour(8)); got != 8 || r.calls != 2 {
		t.Fatalf("Hour: %d with %d calls, want 8 and 2", got, r.calls)
	}
}
