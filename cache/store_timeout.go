package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultStoreTimeout is how long a call to the store may take unless
// [WithStoreTimeout] says otherwise.
const DefaultStoreTimeout = 150 * time.Millisecond

// timeoutStore bounds every call of a Store by the caller's deadline and by
// a budget of its own. The go-redis client honours the bound when dialing,
// waiting for a pooled connection and between retries, and on the socket
// only with ContextTimeoutEnabled (which [RedisOptions] sets).
type timeoutStore struct {
	next   Store
	budget time.Duration // > 0
	start  time.Time     // when the store was made: windows are timed from it (see windowAt)

	mu     sync.Mutex                  // serializes the making of windows
	window atomic.Pointer[boundWindow] // the latest; nil before the first
}

// newTimeoutStore returns next bounded by budget (> 0).
func newTimeoutStore(next Store, budget time.Duration) *timeoutStore {
	return &timeoutStore{next: next, budget: budget, start: time.Now()}
}

// boundWindow is the deadline shared by the calls bounded in one stretch
// of time (a sixteenth of the budget): one timer per window closes done,
// instead of one timer per call. Arming and stopping a timer for every
// read made a hit about 1.5% slower, over a round trip of about 55µs, than
// the same read without (BenchmarkHitLayers; docs/benchmarks-notes.md).
type boundWindow struct {
	deadline time.Time
	until    time.Duration // the deadline, at most: time from the store's start
	done     chan struct{} // closed at the deadline
}

// windowSlack is how much longer than the budget a call may be given: a
// window serves calls until its deadline is less than the budget away.
func windowSlack(budget time.Duration) time.Duration { return budget / 16 }

// bound returns ctx with a deadline of the budget, or up to a sixteenth
// more, as deadline, unless ctx ends sooner. When ctx can never be
// cancelled (context.Background, a WithoutCancel context: the hot path's
// reads), the bound is a boundCtx from a pool, over the current window,
// which costs no allocation and no timer; else it is context.WithTimeout's.
// Either is given up with release, after the call of the store has
// returned.
func (s *timeoutStore) bound(ctx context.Context) (context.Context, *boundCtx, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= s.budget {
		return ctx, nil, nil
	}
	if ctx.Done() == nil {
		b := boundPool.Get().(*boundCtx)
		b.Context = ctx
		b.w.Store(s.windowAt(time.Since(s.start)))
		return b, b, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.budget)
	return ctx, nil, cancel
}

// windowAt returns a window whose deadline is at least the budget after
// now, the time since the store's start: the current one, or a new one.
// Reading only the monotonic clock (time.Since) costs half of time.Now.
func (s *timeoutStore) windowAt(now time.Duration) *boundWindow {
	if w := s.window.Load(); w != nil && w.until-now >= s.budget {
		return w
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if w := s.window.Load(); w != nil && w.until-now >= s.budget {
		return w
	}
	d := s.budget + windowSlack(s.budget)
	// until is taken before the deadline, so the deadline is never sooner.
	w := &boundWindow{until: now + d, deadline: time.Now().Add(d), done: make(chan struct{})}
	time.AfterFunc(d, func() { close(w.done) })
	s.window.Store(w)
	return w
}

// release gives up a bound of bound.
func release(b *boundCtx, cancel context.CancelFunc) {
	if cancel != nil {
		cancel()
	}
	if b != nil {
		b.Context = nil
		boundPool.Put(b)
	}
}

// boundCtx is a context with the deadline of a window over a parent that
// is never cancelled. Reused once its call of the store has returned,
// which assumes the store, like go-redis, does not keep the context of a
// call after returning. Only w can be read after: a context derived from
// this one (go-redis's dial timeout) starts a goroutine that calls Done,
// which may run when the call has returned, and finds the derived context
// done already. w is atomic for that read, and never nil once set.
type boundCtx struct {
	context.Context // the parent, for its values
	w               atomic.Pointer[boundWindow]
}

var boundPool = sync.Pool{New: func() any { return new(boundCtx) }}

// Deadline implements context.Context.
func (b *boundCtx) Deadline() (time.Time, bool) { return b.w.Load().deadline, true }

// Done implements context.Context.
func (b *boundCtx) Done() <-chan struct{} { return b.w.Load().done }

// Err implements context.Context.
func (b *boundCtx) Err() error {
	select {
	case <-b.w.Load().done:
		return context.DeadlineExceeded
	default:
		return nil
	}
}

func (s *timeoutStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	ctx, b, cancel := s.bound(ctx)
	defer release(b, cancel)
	return s.next.Get(ctx, keys)
}

func (s *timeoutStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, b, cancel := s.bound(ctx)
	defer release(b, cancel)
	return s.next.Set(ctx, key, value, ttl)
}

func (s *timeoutStore) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	ctx, b, cancel := s.bound(ctx)
	defer release(b, cancel)
	return s.next.SetVersions(ctx, keys, values, ttls)
}

func (s *timeoutStore) Delete(ctx context.Context, keys []string) error {
	ctx, b, cancel := s.bound(ctx)
	defer release(b, cancel)
	return s.next.Delete(ctx, keys)
}

func (s *timeoutStore) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) ([]string, error) {
	ctx, b, cancel := s.bound(ctx)
	defer release(b, cancel)
	return s.next.InitVersions(ctx, keys, values, ttls)
}
