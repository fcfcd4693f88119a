package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

type boundKey struct{}

// TestBoundContext: the pooled bound of a call over a context that is
// never cancelled has the budget's deadline and the parent's values, ends
// at the deadline, and a bound reused after its call has none of its
// previous call's state.
func TestBoundContext(t *testing.T) {
	s := &timeoutStore{budget: 20 * time.Millisecond}
	parent := context.WithValue(context.Background(), boundKey{}, "v")
	ctx, b, cancel := s.bound(parent)
	if b == nil || cancel != nil {
		t.Fatalf("bound %v, cancel %v: want a pooled bound", b, cancel != nil)
	}
	if d, ok := ctx.Deadline(); !ok || time.Until(d) > s.budget {
		t.Fatalf("deadline %v, %v", d, ok)
	}
	if ctx.Value(boundKey{}) != "v" || ctx.Err() != nil {
		t.Fatalf("value %v, err %v", ctx.Value(boundKey{}), ctx.Err())
	}
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the bound did not end at its deadline")
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("err %v", ctx.Err())
	}
	release(b, nil) // fired: not reused

	for range 100 { // reused bounds start afresh
		ctx, b, _ := s.bound(context.Background())
		if ctx.Err() != nil || ctx.Value(boundKey{}) != nil {
			t.Fatalf("a reused bound: err %v, value %v", ctx.Err(), ctx.Value(boundKey{}))
		}
		release(b, nil)
	}

	// A parent that can be cancelled gets context.WithTimeout's bound.
	cctx, stop := context.WithCancel(context.Background())
	ctx, b, cancel = s.bound(cctx)
	if b != nil || cancel == nil {
		t.Fatal("want context.WithTimeout for a parent that can be cancelled")
	}
	stop()
	<-ctx.Done()
	release(b, cancel)
}

// TestBoundAllocations: a bounded call over a context that is never
// cancelled allocates nothing for its bound.
func TestBoundAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	s := &timeoutStore{budget: time.Second}
	ctx := context.Background()
	if n := testing.AllocsPerRun(100, func() {
		c, b, cancel := s.bound(ctx)
		_ = c.Done()
		release(b, cancel)
	}); n != 0 {
		t.Fatalf("%v allocations per bound, want 0", n)
	}
}

// TestBoxString: a string boxed in place is the string, for every use of
// an interface go-redis makes.
func TestBoxString(t *testing.T) {
	s := "cachegen:{books}:v"
	v := boxString(&s)
	if got, ok := v.(string); !ok || got != s || v != any(s) {
		t.Fatalf("boxed %#v", v)
	}
	if got := fmt.Sprint(v); got != s {
		t.Fatalf("printed %q", got)
	}
}
