package cache

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// Refresh makes the read m refresh its entries early: a hit on an entry
// due to expire within d (the entry records its expiry) returns the entry
// as usual and starts one reload in the background, which stores a new
// entry with a new TTL. A key read steadily then never misses on expiry.
// Across processes one reload runs per entry and expiry: the process that
// starts it first takes a claim on it (one SET NX, in the entry's slot);
// the others serve the entry until the new one is stored. d must be
// shorter than the method's TTL; zero or less turns refresh off. It
// returns m.
//
// Invalidation is unchanged: a hit serves only an entry computed under the
// namespaces' current versions, and the reload's result is stored tagged
// with the versions the hit read, before the reload: if a write changed them
// meanwhile, the new entry is never served either. Only value entries are
// refreshed; not-found outcomes (see [Method.NotFound]) expire as before.
// A reload that fails (an error, a panic, a fault of the store) stores
// nothing: the entry expires, and the next read misses as without refresh.
// A reload's context ends at the entry's expiry (or a second after it
// starts, if later), or when [Cache.Close] stops waiting for it.
//
// Called by generated code; not part of the user API.
func (m *Method) Refresh(d time.Duration) *Method {
	if m == nil {
		return nil
	}
	if d >= m.ttl {
		panic(fmt.Sprintf("cache: method %s: refresh window %v is not shorter than its TTL %v", m.name, d, m.ttl))
	}
	m.refresh = max(d, 0)
	return m
}

// refreshClaimTTL is how long a claim on an entry's refresh lives at
// least: a process that dies holding one leaves the entry to expire.
const refreshClaimTTL = time.Second

// refreshes remembers, per entry key, the expiry of the entry whose
// refresh this process has started (or left to another process), so that
// the hits on that entry start no other; and it counts the refreshes
// running, for Close. The zero value is ready to use.
type refreshes struct {
	mu      sync.Mutex
	last    map[string]int64   // entry key: expiry in Unix ms; guarded by mu
	running int                // refreshes started and not ended; guarded by mu
	idle    chan struct{}      // closed when running drops to zero while Close waits; guarded by mu
	closing bool               // Close has begun: no refresh starts; guarded by mu
	stop    context.Context    // ended when Close stops waiting: cancels the refreshes' loads
	cancel  context.CancelFunc // ends stop
}

// begin reports whether the caller is the first in this process to ask to
// refresh the entry of key that expires at expires (Unix ms), and the
// cache is not closing. When it is, the caller runs the refresh and calls
// end once it is over; stop ends when Close gives up waiting for it.
func (r *refreshes) begin(key string, expires int64) (stop context.Context, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing || r.last[key] == expires {
		return nil, false
	}
	if r.last == nil {
		r.last = make(map[string]int64)
		r.stop, r.cancel = context.WithCancel(context.Background())
	}
	if len(r.last) >= 1024 { // forget the entries that have expired
		now := time.Now().UnixMilli()
		for k, e := range r.last {
			if e < now {
				delete(r.last, k)
			}
		}
	}
	r.last[key] = expires
	r.running++
	return r.stop, true
}

// end records that a refresh begun with begin is over.
func (r *refreshes) end() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.running--
	if r.running == 0 && r.idle != nil {
		close(r.idle)
		r.idle = nil
	}
}

// close starts no more refreshes and waits until those running are over,
// or until ctx ends; then it cancels the loads of any still running. It
// reports whether all were over.
func (r *refreshes) close(ctx context.Context) bool {
	r.mu.Lock()
	r.closing = true
	cancel := r.cancel
	if r.running == 0 {
		r.mu.Unlock()
		if cancel != nil {
			cancel()
		}
		return true
	}
	if r.idle == nil {
		r.idle = make(chan struct{})
	}
	idle := r.idle
	r.mu.Unlock()
	defer cancel()
	select {
	case <-idle:
		return true
	case <-ctx.Done():
		return false
	}
}

// refreshDue reports whether a hit of the read m on an entry that expires
// at expires (Unix ms; zero when the entry does not record it) should
// start its refresh.
func refreshDue(m *Method, expires int64) bool {
	return m.refresh > 0 && expires > 0 && time.Now().Add(m.refresh).UnixMilli() >= expires
}

// maybeRefresh starts the refresh of the entry of entryKey, computed under
// tokens and expiring at expires (Unix ms), when it is due and no hit of
// this process has started it: on a goroutine of its own, with ctx's
// values and without its cancellation. The refresh's load may take until
// the entry expires, or a second, whichever is longer: then, or when Close
// stops waiting for it, its context ends.
func maybeRefresh[T any](ctx context.Context, m *Method, entryKey string, tokens []string, expires int64, load func(context.Context) (T, error)) {
	if !refreshDue(m, expires) {
		return
	}
	c := m.c
	stop, ok := c.refreshes.begin(entryKey, expires)
	if !ok {
		return
	}
	go func() {
		defer c.refreshes.end()
		ctx, cancel := context.WithDeadline(context.WithoutCancel(ctx), refreshDeadline(expires))
		defer cancel()
		defer context.AfterFunc(stop, cancel)()
		refreshEntry(ctx, m, entryKey, tokens, expires, load)
	}()
}

// refreshDeadline is when a refresh of an entry expiring at expires (Unix
// ms) gives up: at the entry's expiry, when the next read loads anyway, or
// refreshClaimTTL from now if that is later.
func refreshDeadline(expires int64) time.Time {
	at, least := time.UnixMilli(expires), time.Now().Add(refreshClaimTTL)
	if at.Before(least) {
		return least
	}
	return at
}

// refreshEntry is the body of a refresh: it takes the fleet's claim on the
// entry's refresh, loads, and stores the result tagged with tokens, the
// versions the hit read before the load (as a miss does: see fill).
func refreshEntry[T any](ctx context.Context, m *Method, entryKey string, tokens []string, expires int64, load func(context.Context) (T, error)) {
	c := m.c
	defer func() {
		if r := recover(); r != nil {
			c.fault(ctx, m, entryKey, "load", fmt.Errorf("cache: a refresh's load panicked: %w", newPanicError(r)))
		}
	}()
	claim := entryKey + "#refresh:" + strconv.FormatInt(expires, 10)
	me := newToken()
	cur, err := c.store.InitVersions(ctx, []string{claim}, []string{me}, []time.Duration{max(m.refresh, refreshClaimTTL)})
	if err != nil {
		c.fault(ctx, m, entryKey, "refresh", err)
		return
	}
	if cur[0] != me {
		return // another process refreshes this entry
	}
	start := time.Now()
	v, err := load(ctx)
	took := time.Since(start)
	var entry []byte
	var ttl time.Duration
	switch nf := m.notFoundIndex(err); {
	case err != nil && nf < 0:
		return // errors are not cached: the entry expires as it would have
	case err != nil:
		// As fill stores it: with the record of an error type's value.
		ttl = jitter(m.notFoundTTL)
		record := m.notFoundRecord(nf, err)
		keepNear(c, m, entryKey, tokens, v, record, nf, ttl)
		entry = append(appendNotFoundHeader(make([]byte, 0, 64+len(record)), nf, tokens), record...)
	default:
		data, err := encodeValue(m, &v)
		if err != nil {
			c.fault(ctx, m, entryKey, "encode", err)
			return
		}
		ttl = jitter(m.ttl)
		at := time.Now().Add(ttl).UnixMilli()
		entry = c.appendEntry(tokens, data, at)
		if c.maxEntrySize > 0 && len(entry) > c.maxEntrySize {
			c.fault(ctx, m, entryKey, "size", fmt.Errorf("cache: entry of %d bytes is over the maximum of %d; not stored", len(entry), c.maxEntrySize))
			return
		}
		keepNearAt(c, m, entryKey, tokens, v, data, -1, ttl, at)
	}
	c.stores.after(entryKey, func() {
		if err := c.store.Set(ctx, entryKey, entry, ttl); err != nil {
			c.fault(ctx, m, entryKey, "set", err)
			return
		}
		c.emit(ctx, Event{Kind: EventRefresh, Method: m.name, Namespaces: m.namespaces, Key: entryKey, Load: took})
	})()
}
