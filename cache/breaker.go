package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// ErrCircuitOpen is the store error while the circuit breaker is open: the
// store failed repeatedly, so calls skip it until the cool-down has passed.
var ErrCircuitOpen = errors.New("cache: circuit open: the store failed repeatedly")

// Breaker defaults; see [WithBreaker].
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 500 * time.Millisecond
)

// breaker is a circuit breaker: after threshold consecutive failures it
// opens, failing calls at once; after cooldown it lets one probe through
// (half-open), and closes again when the probe succeeds. While closed, its
// bookkeeping takes no lock.
type breaker struct {
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	onChange  func(open bool, err error)

	open     atomic.Bool
	failures atomic.Int64

	mu       sync.Mutex // guards the fields below and the transitions
	openedAt time.Time
	probing  bool
}

// allow reports whether a call may go to the store; a true from a half-open
// breaker makes the caller the probe, which must report through done.
func (b *breaker) allow() (ok, probe bool) {
	if !b.open.Load() {
		return true, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open.Load() {
		return true, false
	}
	if b.probing || b.now().Sub(b.openedAt) < b.cooldown {
		return false, false
	}
	b.probing = true
	return true, true
}

// done records the outcome of a call that allow let through.
func (b *breaker) done(err error, probe bool) {
	if err == nil && !probe {
		if b.failures.Load() != 0 {
			b.failures.Store(0)
		}
		return
	}
	var changed, open bool
	b.mu.Lock()
	if probe {
		b.probing = false
	}
	if err == nil {
		b.failures.Store(0)
		if b.open.Load() {
			b.open.Store(false)
			changed, open = true, false
		}
	} else if n := b.failures.Add(1); probe || n >= int64(b.threshold) {
		if !b.open.Load() {
			changed, open = true, true
			b.open.Store(true)
		}
		b.openedAt = b.now()
	}
	b.mu.Unlock()
	if changed && b.onChange != nil {
		b.onChange(open, err)
	}
}

// breakerStore is a Store behind a breaker.
type breakerStore struct {
	next Store
	b    *breaker
}

// run calls f unless the breaker is open.
func (s *breakerStore) run(ctx context.Context, f func() error) error {
	ok, probe := s.b.allow()
	if !ok {
		return ErrCircuitOpen
	}
	err := f()
	s.finish(ctx, err, probe)
	return err
}

// finish records the outcome of a call. A failure caused by the caller's own
// context ending is not held against the store; an error Redis replied with
// (OOM, WRONGTYPE) counts as a success: the store answered, at once.
func (s *breakerStore) finish(ctx context.Context, err error, probe bool) {
	if answered(err) {
		err = nil
	}
	if err != nil && ctx.Err() != nil {
		if probe {
			s.b.mu.Lock()
			s.b.probing = false
			s.b.mu.Unlock()
		}
		return
	}
	s.b.done(err, probe)
}

// Get is written out, without run's closure, as it is on every read.
func (s *breakerStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	ok, probe := s.b.allow()
	if !ok {
		return nil, ErrCircuitOpen
	}
	vals, err := s.next.Get(ctx, keys)
	s.finish(ctx, err, probe)
	return vals, err
}

func (s *breakerStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return s.run(ctx, func() error { return s.next.Set(ctx, key, value, ttl) })
}

func (s *breakerStore) SetVersions(ctx context.Context, keys, values []string) error {
	return s.run(ctx, func() error { return s.next.SetVersions(ctx, keys, values) })
}

func (s *breakerStore) Delete(ctx context.Context, keys []string) error {
	return s.run(ctx, func() error { return s.next.Delete(ctx, keys) })
}

func (s *breakerStore) InitVersions(ctx context.Context, keys, values []string) (cur []string, err error) {
	err = s.run(ctx, func() error { cur, err = s.next.InitVersions(ctx, keys, values); return err })
	return cur, err
}
