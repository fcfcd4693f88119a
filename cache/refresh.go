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
// the hits on that entry start no other. The zero value is ready to use.
type refreshes struct {
	mu   sync.Mutex
	last map[string]int64 // entry key: expiry in Unix ms; guarded by mu
}

// begin reports whether the caller is the first in this process to ask to
// refresh the entry of key that expires at expires (Unix ms).
func (r *refreshes) begin(key string, expires int64) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.last == nil {
		r.last = make(map[string]int64)
	}
	if r.last[key] == expires {
		return false
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
	return true
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
// values and without its cancellation.
func maybeRefresh[T any](ctx context.Context, m *Method, entryKey string, tokens []string, expires int64, load func(context.Context) (T, error)) {
	if !refreshDue(m, expires) || !m.c.refreshes.begin(entryKey, expires) {
		return
	}
	c := m.c
	c.refreshing.Add(1)
	go func() {
		defer c.refreshing.Done()
		refreshEntry(context.WithoutCancel(ctx), m, entryKey, tokens, expires, load)
	}()
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
		ttl = jitter(m.notFoundTTL)
		keepNear(c, m, entryKey, tokens, v, nil, nf, ttl)
		entry = appendNotFoundHeader(make([]byte, 0, 64), nf, tokens)
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
