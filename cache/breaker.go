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
	node      string // the server it guards; "" for the whole store
	threshold int
	cooldown  time.Duration
	now       func() time.Time
	onChange  func(node string, open bool, err error)

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
	} else if n := b.failures.Add(1); probe || n >= int64(b.threshold) || refusedConn(err) {
		if !b.open.Load() {
			changed, open = true, true
			b.open.Store(true)
		}
		b.openedAt = b.now()
	}
	b.mu.Unlock()
	if changed && b.onChange != nil {
		b.onChange(b.node, open, err)
	}
}

// record records the outcome of a call made with ctx that allow let
// through. A failure caused by the caller's own context ending is not held
// against the store; an error Redis replied with (OOM, WRONGTYPE) counts as a
// success: the store answered, at once. A refusal of the connection (wrong
// credentials, an untrusted TLS certificate: see refusedConn) opens the
// breaker at once: it will not pass by itself, and every call would dial
// again to meet it. A missing ACL permission (NOPERM) is an answer: it
// refuses some commands only, at once.
func (b *breaker) record(ctx context.Context, err error, probe bool) {
	if answered(err) && !refusedConn(err) {
		err = nil
	}
	if err != nil && ctx.Err() != nil {
		b.release(probe)
		return
	}
	b.done(err, probe)
}

// release ends a probe that proved nothing either way.
func (b *breaker) release(probe bool) {
	if probe {
		b.mu.Lock()
		b.probing = false
		b.mu.Unlock()
	}
}
