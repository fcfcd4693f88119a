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
// never cancelled has a deadline of the budget or up to a sixteenth more,
// the parent's values, ends at the deadline, and a bound reused after its
// call has none of its previous call's state.
func TestBoundContext(t *testing.T) {
	s := newTimeoutStore(nil, 20*time.Millisecond)
	parent := context.WithValue(context.Background(), boundKey{}, "v")
	start := time.Now()
	ctx, b, cancel := s.bound(parent)
	if b == nil || cancel != nil {
		t.Fatalf("bound %v, cancel %v: want a pooled bound", b, cancel != nil)
	}
	d, ok := ctx.Deadline()
	if late := s.budget + windowSlack(s.budget); !ok || d.Sub(start) < s.budget || time.Until(d) > late {
		t.Fatalf("deadline %v from the start, %v: want %v to %v", d.Sub(start), ok, s.budget, late)
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
	if time.Now().Before(d) {
		t.Fatalf("the bound ended %v before its deadline", time.Until(d))
	}
	release(b, nil)

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

// TestBoundWindows: the bounds made within a window share its deadline
// (one timer for all of them), and a window whose deadline is less than
// the budget away is replaced: no bound is ever shorter than the budget.
func TestBoundWindows(t *testing.T) {
	s := newTimeoutStore(nil, 160*time.Millisecond) // windows of 10ms
	deadlines := map[time.Time]int{}
	start := time.Now()
	for time.Since(start) < 50*time.Millisecond {
		now := time.Now()
		ctx, b, _ := s.bound(context.Background())
		d, _ := ctx.Deadline()
		if d.Sub(now) < s.budget {
			t.Fatalf("a bound of %v, want at least %v", d.Sub(now), s.budget)
		}
		deadlines[d]++
		release(b, nil)
		time.Sleep(100 * time.Microsecond)
	}
	// 50ms of windows of 10ms: 5 or 6 windows (a slow machine's sleeps
	// make fewer bounds, never more windows).
	if n := len(deadlines); n < 2 || n > 7 {
		t.Fatalf("%d windows in 50ms, want about 5 (2 to 7): %v", n, deadlines)
	}
}

// TestBoundAllocations: a bounded call over a context that is never
// cancelled allocates nothing for its bound.
func TestBoundAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	s := newTimeoutStore(nil, time.Second)
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
