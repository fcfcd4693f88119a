package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

// Fetch returns the result of the cached read m for the arguments in key:
// from the cache when an entry computed under the namespaces' current
// versions exists, else from load, whose result is then stored. Generated
// wrappers call it; load calls the wrapped repository.
//
// A hit costs one round trip to the store. Concurrent misses for the same
// key and versions in one process share one call of load, and each caller
// gets its own copy of the result. That call runs on a goroutine of its own
// with the values of the first caller's ctx, not its cancellation or
// deadline; it is cancelled only when every caller waiting for it has gone,
// and its result is stored even then. Each caller waits with its own ctx and
// returns ctx.Err() when it ends. Errors from load (its own timeouts
// included) are shared by the callers waiting for it, and never stored; a
// panic in load is raised again in each of them, with load's stack. Faults
// of the store or the codec never fail the call: they are reported to the
// observer and the logger, and load is called.
//
// Called by generated code; not part of the user API.
func Fetch[T any](ctx context.Context, m *Method, key Key, load func(context.Context) (T, error)) (T, error) {
	if m == nil || m.c.disabled || key.bypass || m.scoped || txFrom(ctx) != nil {
		return skip(ctx, m, load)
	}
	cl := call{names: m.namespaces, versionKeys: m.versionKeys}
	if m.templated {
		var ok bool
		if cl, ok = m.resolve(&key); !ok {
			return skip(ctx, m, load)
		}
	} else {
		cl.entryKey = key.entry()
	}
	if m.c.dirty.any(cl.names) {
		return skip(ctx, m, load)
	}
	c, entryKey := m.c, cl.entryKey
	if c.near != nil {
		if e := c.near.get(entryKey); e != nil {
			if v, done, err := nearHit[T](ctx, m, &cl, e, load); done {
				return v, err
			}
		}
	}
	n := len(cl.versionKeys)
	keys := make([]string, n+1)
	copy(keys, cl.versionKeys)
	keys[n] = entryKey

	vals, err := c.store.Get(ctx, keys)
	if err != nil {
		if timedOut(ctx, err) {
			go c.dropEntry(ctx, m, entryKey)
		}
		return bypass(ctx, m, entryKey, "get", err, load)
	}
	versions, entry := vals[:n], vals[n]
	if entry != nil && allValid(versions) {
		v, payload, nf, current, err := decodeEntry[T](c, entry, versions)
		switch {
		case err != nil:
			c.fault(ctx, m, entryKey, "decode", err)
		case current && nf < len(m.notFound):
			c.emit(ctx, Event{Kind: EventHit, Method: m.name, Namespaces: m.namespaces, Key: entryKey})
			record(ctx, m, StatusHit)
			if c.near != nil {
				keepNear(c, m, entryKey, tokenStrings(versions), v, payload, nf)
			}
			if nf >= 0 {
				return v, m.notFound[nf]
			}
			return v, nil
		}
	}
	tokens, err := c.ensureVersions(ctx, m, &cl, versions)
	if err != nil {
		return bypass(ctx, m, entryKey, "init", err, load)
	}
	return fill(ctx, m, entryKey, tokens, load)
}

// nearHit serves a call from the near cache's entry e when the
// namespaces' current versions (read from the store, or known by the
// tracker) are those e was computed under. done is false when it cannot (the versions moved on: e is
// dropped), and the call goes on to read the entry from the store.
func nearHit[T any](ctx context.Context, m *Method, cl *call, e *nearEntry, load func(context.Context) (T, error)) (v T, done bool, err error) {
	c := m.c
	if c.tracker.current(cl.versionKeys, e.tokens) {
		return nearServe[T](ctx, m, cl, e)
	}
	versions, tracked := c.tracker.versionsOf(ctx, cl.versionKeys)
	if !tracked {
		versions, err = c.store.Get(ctx, cl.versionKeys)
	}
	if err != nil {
		v, err = bypass(ctx, m, cl.entryKey, "get", err, load)
		return v, true, err
	}
	if !allValid(versions) || !e.holds(versions) {
		c.near.drop(cl.entryKey)
		return v, false, nil
	}
	return nearServe[T](ctx, m, cl, e)
}

// nearServe hands the caller its own value from e, whose versions are
// current.
func nearServe[T any](ctx context.Context, m *Method, cl *call, e *nearEntry) (v T, done bool, err error) {
	c := m.c
	v, ok := nearValue[T](c, m, e)
	if !ok {
		c.near.drop(cl.entryKey)
		return v, false, nil
	}
	c.near.hits.Add(1)
	c.emit(ctx, Event{Kind: EventHit, Method: m.name, Namespaces: m.namespaces, Key: cl.entryKey})
	record(ctx, m, StatusHit)
	if e.nf >= 0 {
		return v, true, m.notFound[e.nf]
	}
	return v, true, nil
}

// tokenStrings returns versions as strings.
func tokenStrings(versions [][]byte) []string {
	out := make([]string, len(versions))
	for i, v := range versions {
		out[i] = string(v)
	}
	return out
}

// skip calls load without the cache: the cache is nil or disabled, or a
// namespace of the call is dirty, or its key could not be written.
func skip[T any](ctx context.Context, m *Method, load func(context.Context) (T, error)) (T, error) {
	if m != nil {
		m.c.emit(ctx, Event{Kind: EventBypass, Method: m.name, Namespaces: m.namespaces})
	}
	record(ctx, m, StatusBypass)
	return load(ctx)
}

// bypass reports a store fault and calls load without the cache.
func bypass[T any](ctx context.Context, m *Method, key, op string, err error, load func(context.Context) (T, error)) (T, error) {
	if ctx.Err() == nil { // a caller's own cancellation is no fault of the store
		m.c.fault(ctx, m, key, op, err)
	}
	m.c.emit(ctx, Event{Kind: EventBypass, Method: m.name, Namespaces: m.namespaces, Key: key})
	record(ctx, m, StatusBypass)
	return load(ctx)
}

// timedOut reports whether err is a timeout of the store (the caller's own
// context has not ended). context.DeadlineExceeded is a net.Error too.
func timedOut(ctx context.Context, err error) bool {
	var ne net.Error
	return ctx.Err() == nil && errors.As(err, &ne) && ne.Timeout()
}

// dropEntry deletes an entry whose read timed out: one too large to read
// in time would otherwise fail every read until it expires, since reads that
// fail do not store. The timeout may have other causes (a slow Redis, a wait
// for a pooled connection): then it costs a refill of the entry.
func (c *Cache) dropEntry(ctx context.Context, m *Method, entryKey string) {
	if err := c.store.Delete(context.WithoutCancel(ctx), []string{entryKey}); err != nil {
		c.fault(ctx, m, entryKey, "delete", err)
	}
}

func allValid(versions [][]byte) bool {
	for _, v := range versions {
		if !validToken(v) {
			return false
		}
	}
	return true
}

// ensureVersions returns the current version token of each of m's
// namespaces, as read before the load. Missing version keys are created with
// SET NX of a fresh token; values this package cannot have written (and keys
// of another type, which MGET reads as missing) are replaced by a fresh
// token, which invalidates the namespace.
func (c *Cache) ensureVersions(ctx context.Context, m *Method, cl *call, versions [][]byte) ([]string, error) {
	tokens := make([]string, len(versions))
	var missing []int
	for i, v := range versions {
		if v == nil {
			missing = append(missing, i)
		} else {
			tokens[i] = string(v)
		}
	}
	if len(missing) > 0 {
		cur, err := c.store.InitVersions(ctx, subset(cl.versionKeys, missing), newTokens(len(missing)), subsetTTLs(cl.ttls, missing))
		if err != nil {
			return nil, err
		}
		for j, i := range missing {
			tokens[i] = cur[j]
		}
	}
	var foreign []int
	for i, t := range tokens {
		if !validToken([]byte(t)) {
			foreign = append(foreign, i)
		}
	}
	if len(foreign) > 0 {
		keys, fresh := subset(cl.versionKeys, foreign), newTokens(len(foreign))
		c.fault(ctx, m, cl.entryKey, "get", fmt.Errorf("cache: version key %s holds a foreign value; resetting it", keys[0]))
		if err := c.store.SetVersions(ctx, keys, fresh, subsetTTLs(cl.ttls, foreign)); err != nil {
			return nil, err
		}
		for j, i := range foreign {
			tokens[i] = fresh[j]
		}
	}
	return tokens, nil
}

// subsetTTLs is subset for TTLs; nil stays nil.
func subsetTTLs(ttls []time.Duration, idx []int) []time.Duration {
	if ttls == nil {
		return nil
	}
	out := make([]time.Duration, len(idx))
	for j, i := range idx {
		out[j] = ttls[i]
	}
	return out
}

func subset(keys []string, idx []int) []string {
	out := make([]string, len(idx))
	for j, i := range idx {
		out[j] = keys[i]
	}
	return out
}

// flight is the shared outcome of one load.
type flight struct {
	value   any         // a *T: what load returned, handed to the first claimant
	payload []byte      // the encoded value, decoded by the other callers; nil if not encoded
	claimed atomic.Bool // the first caller to read the flight takes value

	load time.Duration // how long load took; zero when it was not called
}

// fill calls load once per key and versions in this process, on a
// goroutine of its own that outlives the caller that started it (see
// flightGroup), stores its result tagged with tokens, and gives each caller
// its own copy. Each caller waits with its own context.
func fill[T any](ctx context.Context, m *Method, entryKey string, tokens []string, load func(context.Context) (T, error)) (T, error) {
	c := m.c
	res, err := c.flights.do(ctx, entryKey+"\n"+strings.Join(tokens, ","),
		func(ctx context.Context) (any, error) { return loadAndStore(ctx, m, entryKey, tokens, load) },
		func(err error) { c.fault(context.WithoutCancel(ctx), m, entryKey, "load", err) })
	var zero T
	f, ok := res.(*flight)
	if !ok {
		return zero, err // this caller's context ended, or the load called Goexit
	}
	p, ok := f.value.(*T)
	if !ok {
		// Another method's flight under the same key: its value is not a T.
		c.fault(ctx, m, entryKey, "type", fmt.Errorf("cache: a load of %s under this key returned %T, not %T", m.name, f.value, p))
		record(ctx, m, StatusMiss)
		return load(ctx)
	}
	// The caller that takes the value reports the load's time; the others
	// shared it, so that each repository call is counted once.
	claimed := f.claimed.CompareAndSwap(false, true)
	if err != nil {
		if m.notFoundIndex(err) >= 0 {
			missed(ctx, m, entryKey, f, claimed) // the outcome was stored, as a value is
		}
		if claimed {
			return *p, err
		}
		return zero, err
	}
	missed(ctx, m, entryKey, f, claimed)
	if claimed {
		return *p, nil
	}
	if f.payload == nil {
		return load(ctx) // the value could not be encoded, so not copied
	}
	var v T
	if err := c.codec.Unmarshal(f.payload, &v); err != nil {
		c.fault(ctx, m, entryKey, "decode", err)
		return load(ctx)
	}
	return v, nil
}

// missed reports a miss of the flight f to the observer and the caller's
// Recorder; with the load's time when this caller claimed f.
func missed(ctx context.Context, m *Method, entryKey string, f *flight, claimed bool) {
	e := Event{Kind: EventMiss, Method: m.name, Namespaces: m.namespaces, Key: entryKey}
	if claimed {
		e.Load = f.load
	}
	m.c.emit(ctx, e)
	record(ctx, m, StatusMiss)
}

// loadAndStore is the body of a flight: it looks for the entry again, else
// calls load and stores its result tagged with tokens, even when every
// caller has left.
func loadAndStore[T any](ctx context.Context, m *Method, entryKey string, tokens []string, load func(context.Context) (T, error)) (*flight, error) {
	c := m.c
	f := &flight{}
	// A caller that missed just before an earlier flight for the same key
	// and versions stored its result starts this one: look again, so a
	// process loads an entry once.
	if v, payload, nf, ok := recheck[T](ctx, m, entryKey, tokens); ok {
		f.value, f.payload = &v, payload
		if c.near != nil {
			keepNear(c, m, entryKey, tokens, v, payload, nf)
		}
		if nf >= 0 {
			return f, m.notFound[nf]
		}
		return f, nil
	}
	start := time.Now()
	v, err := load(ctx)
	f.value, f.load = &v, time.Since(start)
	if err != nil {
		if nf := m.notFoundIndex(err); nf >= 0 {
			// Cached as it is: a hit returns the zero value and the error
			// variable itself.
			if c.near != nil {
				keepNear(c, m, entryKey, tokens, v, nil, nf)
			}
			entry := appendNotFoundHeader(make([]byte, 0, 64), nf, tokens)
			if err := c.store.Set(context.WithoutCancel(ctx), entryKey, entry, jitter(m.notFoundTTL)); err != nil {
				c.fault(ctx, m, entryKey, "set", err)
			}
		}
		return f, err
	}
	// A pointer, so that encoding/json calls MarshalJSON methods with
	// pointer receivers on the value's fields (big.Int) instead of encoding
	// them by reflection.
	data, err := c.codec.Marshal(&v)
	if err != nil {
		c.fault(ctx, m, entryKey, "encode", err)
		return f, nil
	}
	f.payload = data
	if c.near != nil {
		keepNear(c, m, entryKey, tokens, v, data, -1)
	}
	entry := c.appendEntry(tokens, data)
	if c.maxEntrySize > 0 && len(entry) > c.maxEntrySize {
		c.fault(ctx, m, entryKey, "size", fmt.Errorf("cache: entry of %d bytes is over the maximum of %d; not stored", len(entry), c.maxEntrySize))
		return f, nil
	}
	// Stored even if every caller has left and cancelled ctx.
	if err := c.store.Set(context.WithoutCancel(ctx), entryKey, entry, jitter(m.ttl)); err != nil {
		c.fault(ctx, m, entryKey, "set", err)
	}
	return f, nil
}

// recheck reads the entry again and decodes it when it was stored under
// tokens.
func recheck[T any](ctx context.Context, m *Method, entryKey string, tokens []string) (v T, payload []byte, nf int, ok bool) {
	vals, err := m.c.store.Get(ctx, []string{entryKey})
	if err != nil || vals[0] == nil {
		return v, nil, -1, false
	}
	versions := make([][]byte, len(tokens))
	for i, t := range tokens {
		versions[i] = []byte(t)
	}
	v, payload, nf, current, err := decodeEntry[T](m.c, vals[0], versions)
	return v, payload, nf, current && err == nil && nf < len(m.notFound)
}

// decodeEntry decodes entry when it was computed under versions. current
// is false for an entry of other versions or another codec; nf is the index
// of the not-found error a not-found entry records, else -1; err is set for
// a value that is not a cachegen entry, or does not decompress or decode.
func decodeEntry[T any](c *Cache, entry []byte, versions [][]byte) (v T, payload []byte, nf int, current bool, err error) {
	payload, nf, current, err = c.entryPayload(entry, versions)
	if err != nil || !current {
		return v, nil, -1, false, err
	}
	if nf >= 0 {
		return v, nil, nf, true, nil
	}
	if err := c.codec.Unmarshal(payload, &v); err != nil {
		return v, nil, -1, false, err
	}
	return v, payload, -1, true, nil
}

// jitter shortens ttl by up to 5% at random, so that entries filled together
// do not expire together; it never lengthens it.
func jitter(ttl time.Duration) time.Duration {
	d := ttl - rand.N(ttl/20+1)
	if d < time.Millisecond {
		return time.Millisecond
	}
	return d
}
