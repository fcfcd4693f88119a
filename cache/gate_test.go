package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gate holds the calls that pass it while it is shut, until they are
// released or their context ends.
type gate struct {
	mu      sync.Mutex
	shut    chan struct{} // nil while open
	waiting atomic.Int64  // calls held
}

// close shuts g; release lets the calls it held go.
func (g *gate) close() (release func()) {
	g.mu.Lock()
	defer g.mu.Unlock()
	shut := make(chan struct{})
	g.shut = shut
	var once sync.Once
	return func() { once.Do(func() { close(shut) }) }
}

// letThrough lets the calls that come from now on pass; those held stay
// held until released.
func (g *gate) letThrough() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.shut = nil
}

func (g *gate) pass(ctx context.Context) error {
	g.mu.Lock()
	shut := g.shut
	g.mu.Unlock()
	if shut == nil {
		return nil
	}
	g.waiting.Add(1)
	defer g.waiting.Add(-1)
	select {
	case <-shut:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// gatedStore is a Store whose reads take their values, as Redis would
// when it runs the command, and then wait at gets (the reply is on its
// way), and whose writes of entries wait at sets before they happen.
type gatedStore struct {
	Store
	gets, sets gate
	getCalls   atomic.Int64
	setCalls   atomic.Int64
	getErr     atomic.Pointer[error] // when set, reads fail with it
	getPanic   atomic.Bool           // when set, reads panic
}

func (s *gatedStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	s.getCalls.Add(1)
	if s.getPanic.Load() {
		panic("gatedStore: Get")
	}
	vals, err := s.Store.Get(ctx, keys)
	if e := s.getErr.Load(); e != nil {
		vals, err = nil, *e
	}
	if gerr := s.gets.pass(ctx); gerr != nil {
		return nil, gerr
	}
	return vals, err
}

func (s *gatedStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.sets.pass(ctx); err != nil {
		return err
	}
	err := s.Store.Set(ctx, key, value, ttl)
	s.setCalls.Add(1)
	return err
}

// waitFor polls cond until it holds, or fails the test after 5 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatalf("after 5s: %s", what)
		}
	}
}

// waitUntil polls cond until it holds or d has passed, and reports which.
func waitUntil(d time.Duration, cond func() bool) bool {
	for start := time.Now(); !cond(); time.Sleep(time.Millisecond) {
		if time.Since(start) > d {
			return false
		}
	}
	return true
}

// async runs f on a goroutine of its own; the channel closes when it returns.
func async(f func()) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	return done
}

// returned reports whether done is closed.
func returned(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
