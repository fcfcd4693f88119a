package cache

import (
	"context"
	"sync"
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
}

// bound returns ctx with the budget as deadline, unless ctx ends sooner.
// When ctx can never be cancelled (context.Background, a WithoutCancel
// context: the hot path's reads), the bound is a boundCtx from a pool,
// which costs no allocation; else it is context.WithTimeout's. Either is
// given up with release, after the call of the store has returned.
func (s *timeoutStore) bound(ctx context.Context) (context.Context, *boundCtx, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= s.budget {
		return ctx, nil, nil
	}
	if ctx.Done() == nil {
		b := boundPool.Get().(*boundCtx)
		b.Context, b.deadline = ctx, time.Now().Add(s.budget)
		b.timer.Reset(s.budget)
		return b, b, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.budget)
	return ctx, nil, cancel
}

// release gives up a bound of bound.
func release(b *boundCtx, cancel context.CancelFunc) {
	if cancel != nil {
		cancel()
	}
	// A bound whose timer has fired (or is firing) is left to the
	// collector: its done channel is closed.
	if b != nil && b.timer.Stop() {
		b.Context = nil
		boundPool.Put(b)
	}
}

// boundCtx is a context with a deadline over a parent that is never
// cancelled: done is closed when the deadline passes. Reused once its call
// of the store has returned, which assumes the store, like go-redis, does
// not keep the context of a call after returning.
type boundCtx struct {
	context.Context // the parent, for its values
	deadline        time.Time
	done            chan struct{}
	timer           *time.Timer // closes done at the deadline
}

var boundPool = sync.Pool{New: func() any {
	b := &boundCtx{done: make(chan struct{})}
	b.timer = time.AfterFunc(time.Hour, func() { close(b.done) })
	b.timer.Stop()
	return b
}}

// Deadline implements context.Context.
func (b *boundCtx) Deadline() (time.Time, bool) { return b.deadline, true }

// Done implements context.Context.
func (b *boundCtx) Done() <-chan struct{} { return b.done }

// Err implements context.Context.
func (b *boundCtx) Err() error {
	select {
	case <-b.done:
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
