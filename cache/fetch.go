package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Fetch returns the result of the cached read m for the arguments in key:
// from the cache when an entry computed under the namespaces' current
// versions exists, else from load, whose result is then stored. Generated
// wrappers call it; load calls the wrapped repository.
//
// A hit costs one round trip to the store, which concurrent reads of one
// entry in one process share (see [WithReadCoalescing]). Concurrent misses
// for the same key and versions in one process share one call of load, and
// each caller gets its own copy of the result. That call runs on a
// goroutine of its own with the values of the first caller's ctx, not its
// cancellation or deadline; it is cancelled only when every caller waiting
// for it has gone, and its result is stored even then. A miss costs its
// callers the read and the load: the entry is stored after they have the
// result (see fill). Each caller waits with its own ctx and
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

	epoch := c.memo.now() // before the read: see fill
	vals, shared, first, err := c.read(ctx, entryKey, cl.versionKeys, entryKey)
	if err != nil {
		if !first {
			// Another caller sharing the read reports its failure.
			return bypass(ctx, m, entryKey, "get", nil, load)
		}
		if timedOut(ctx, err) {
			go c.dropEntry(ctx, m, entryKey)
		}
		return bypass(ctx, m, entryKey, "get", err, load)
	}
	versions, entry := vals[:n], vals[n]
	if entry != nil && allValid(versions) {
		v, payload, nf, current, err := decodeShared[T](m, shared, entry, versions)
		switch {
		case err != nil:
			c.fault(ctx, m, entryKey, "decode", err)
		case current && nf < len(m.notFound):
			var expires int64 // the entry's, when m refreshes entries early
			if m.refresh > 0 && nf < 0 {
				expires = entryExpiry(entry)
			}
			if c.near != nil {
				ttl := m.ttl
				if nf >= 0 {
					ttl = m.notFoundTTL
				}
				keepNearAt(c, m, entryKey, tokenStrings(versions), v, payload, nf, ttl, expires)
			}
			if refreshDue(m, expires) {
				maybeRefresh(ctx, m, entryKey, tokenStrings(versions), expires, load)
			}
			return hit(ctx, m, entryKey, v, m.notFoundErr(nf, payload))
		}
	}
	tokens, err := c.ensureVersions(ctx, m, &cl, versions)
	if err != nil {
		return bypass(ctx, m, entryKey, "init", err, load)
	}
	return fill(ctx, m, entryKey, tokens, epoch, load)
}

// read returns the values of the version keys, then of the entry key
// (none when entryKey is ""), from a read sent after the caller came,
// shared with other callers reading the same keys (readKey names them)
// when coalescing is on (shared is then that read). first reports whether
// this caller reports a failure of the read.
func (c *Cache) read(ctx context.Context, readKey string, versionKeys []string, entryKey string) (vals [][]byte, shared *readBatch, first bool, err error) {
	if !c.coalesce {
		vals, err = getOwn(ctx, c.store, versionKeys, entryKey)
		return vals, nil, true, err
	}
	return c.reads.get(ctx, c.store, readKey, versionKeys, entryKey, c.readHold)
}

// readKeys returns the keys of a read: the version keys, then the entry
// key unless it is "".
func readKeys(dst, versionKeys []string, entryKey string) []string {
	dst = append(dst, versionKeys...)
	if entryKey != "" {
		dst = append(dst, entryKey)
	}
	return dst
}

// keysPool holds the slices of keys of the reads of getOwn.
var keysPool = sync.Pool{New: func() any { return new([]string) }}

// getOwn reads the keys of a read for its caller alone, in a slice of
// keys from keysPool: the store keeps nothing of them (see Store.Get).
func getOwn(ctx context.Context, store Store, versionKeys []string, entryKey string) ([][]byte, error) {
	kp := keysPool.Get().(*[]string)
	keys := readKeys((*kp)[:0], versionKeys, entryKey)
	defer func() {
		clear(keys)
		*kp = keys[:0]
		keysPool.Put(kp)
	}()
	return store.Get(ctx, keys)
}

// hit reports a read served without calling load, and returns its result:
// v, or, for a not-found outcome, the zero value and its error nfErr.
func hit[T any](ctx context.Context, m *Method, entryKey string, v T, nfErr error) (T, error) {
	m.c.emit(ctx, Event{Kind: EventHit, Method: m.name, Namespaces: m.namespaces, Key: entryKey})
	record(ctx, m, StatusHit)
	if nfErr != nil {
		var zero T
		return zero, nfErr
	}
	return v, nil
}

// nearHit serves a call from the near cache's entry e when the
// namespaces' current versions (read from the store, or known by the
// tracker) are those e was computed under. done is false when it cannot (the versions moved on: e is
// dropped), and the call goes on to read the entry from the store.
func nearHit[T any](ctx context.Context, m *Method, cl *call, e *nearEntry, load func(context.Context) (T, error)) (v T, done bool, err error) {
	c := m.c
	if c.tracker.current(cl.versionKeys, e.tokens) {
		return nearServe(ctx, m, cl, e, load)
	}
	versions, tracked := c.tracker.versionsOf(ctx, cl.versionKeys)
	if !tracked {
		// Shared by the near hits of every entry of these namespaces that
		// come while a read of their versions is in flight (a read sent
		// after each of them came, as for entries: see readGroup).
		var first bool
		versions, _, first, err = c.read(ctx, versionsReadKey(cl.versionKeys), cl.versionKeys, "")
		if err != nil {
			if !first {
				err = nil // another caller sharing the read reports it
			}
			v, err = bypass(ctx, m, cl.entryKey, "get", err, load)
			return v, true, err
		}
	}
	if !allValid(versions) || !e.holds(versions) {
		c.near.drop(cl.entryKey)
		return v, false, nil
	}
	return nearServe(ctx, m, cl, e, load)
}

// versionsReadKey names the coalesced read of the version keys keys: the
// only key when there is one (no allocation), else all of them.
func versionsReadKey(keys []string) string {
	if len(keys) == 1 {
		return keys[0]
	}
	return strings.Join(keys, "\n")
}

// nearServe hands the caller its own value from e, whose versions are
// current, and starts the refresh of its entry when it is due.
func nearServe[T any](ctx context.Context, m *Method, cl *call, e *nearEntry, load func(context.Context) (T, error)) (v T, done bool, err error) {
	c := m.c
	v, ok := nearValue[T](c, m, e)
	if !ok {
		c.near.drop(cl.entryKey)
		return v, false, nil
	}
	c.near.hits.Add(1)
	if e.nf < 0 && refreshDue(m, e.entryExpiry) {
		maybeRefresh(ctx, m, cl.entryKey, e.tokens, e.entryExpiry, load)
	}
	c.emit(ctx, Event{Kind: EventHit, Method: m.name, Namespaces: m.namespaces, Key: cl.entryKey})
	record(ctx, m, StatusHit)
	if e.nf >= 0 {
		return v, true, m.notFoundErr(e.nf, e.payload)
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

// bypass reports a store fault, unless err is nil, and calls load without
// the cache.
func bypass[T any](ctx context.Context, m *Method, key, op string, err error, load func(context.Context) (T, error)) (T, error) {
	if err != nil && ctx.Err() == nil { // a caller's own cancellation is no fault of the store
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

	load   time.Duration // how long load took; zero when it was not called
	memoed bool          // the result came from the memo: load was not called
}

// fill calls load once per key and versions in this process, on a
// goroutine of its own that outlives the caller that started it (see
// flightGroup), and gives each caller its own copy of the result. Each
// caller waits with its own context.
//
// A miss costs the caller one round trip, the read that missed: the flight
// hands the result to its callers, then stores it, tagged with tokens.
// That opens no stale-read window. The result is the same whenever the
// store happens: it was loaded after tokens were read, by a caller that
// read them after it started, so it holds every write that had returned
// before any caller of the flight started (guarantee 1's argument, as
// before). An entry stored late is tagged with tokens: if a write changed
// the versions meanwhile, the entry is never served.
//
// Nor does a read of this process right after load again. Until the entry
// is stored, the flight keeps its key, and a caller that misses takes its
// result at once. After, the memo has the result for a while, for the
// callers whose read of the store started before the entry was stored and
// who reach the flight group after the flight has gone (epoch tells them);
// a caller that read the store after the entry was stored, and missed, does
// not take it: the entry expired, or was evicted or deleted, and it loads.
// Both count as hits: load is not called. Both are keyed by tokens, like
// the entry, so neither serves a result after a write changed the versions.
// Other processes may miss and load until the entry is stored, as they may
// until any flight ends.
func fill[T any](ctx context.Context, m *Method, entryKey string, tokens []string, epoch uint64, load func(context.Context) (T, error)) (T, error) {
	c := m.c
	key := entryKey + "\n" + strings.Join(tokens, ",")
	if v, nfErr, ok := fromMemo[T](m, key, epoch); ok {
		return hit(ctx, m, entryKey, v, nfErr)
	}
	res, ready, err := c.flights.do(ctx, key,
		func(ctx context.Context) (any, func(), error) {
			return loadAndStore(ctx, m, entryKey, key, tokens, epoch, load)
		},
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
	served := ready || f.memoed // without waiting for a load
	// The caller that takes the value reports the load's time; the others
	// shared it, so that each repository call is counted once.
	claimed := f.claimed.CompareAndSwap(false, true)
	if err != nil {
		if nf := m.notFoundIndex(err); nf >= 0 {
			if served {
				return hit(ctx, m, entryKey, zero, err)
			}
			missed(ctx, m, entryKey, f, claimed) // the outcome was stored, as a value is
		}
		if claimed {
			return *p, err
		}
		return zero, err
	}
	if served {
		if claimed {
			return hit(ctx, m, entryKey, *p, nil)
		}
	} else {
		missed(ctx, m, entryKey, f, claimed)
		if claimed {
			return *p, nil
		}
	}
	if f.payload == nil {
		return load(ctx) // the value could not be encoded, so not copied
	}
	var v T
	if err := decodeValue(m, f.payload, &v); err != nil {
		c.fault(ctx, m, entryKey, "decode", err)
		return load(ctx)
	}
	if served {
		return hit(ctx, m, entryKey, v, nil)
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

// loadAndStore is the body of a flight: it takes the result from the memo,
// else calls load, and returns the result with the work of storing it,
// tagged with tokens, which the flight does after delivering it, even when
// every caller has left. key is the flight's: entry key and tokens.
func loadAndStore[T any](ctx context.Context, m *Method, entryKey, key string, tokens []string, epoch uint64, load func(context.Context) (T, error)) (*flight, func(), error) {
	c := m.c
	f := &flight{}
	// A flight for the same key and versions may have ended between the
	// caller's look at the memo and the flight group.
	if payload, nf, ok := c.memo.get(key, epoch); ok {
		var v T
		if nf >= 0 && nf < len(m.notFound) {
			f.value, f.memoed = &v, true
			return f, nil, m.notFoundErr(nf, payload)
		}
		if nf < 0 && decodeValue(m, payload, &v) == nil {
			f.value, f.payload, f.memoed = &v, payload, true
			return f, nil, nil
		}
	}
	release := func() {} // gives up the fleet lease, for a result not stored
	if c.leaseWait > 0 {
		// Another process may be loading this entry: wait for its result.
		v, payload, nf, ok, held := awaitLease[T](ctx, m, entryKey, tokens)
		if ok {
			f.value, f.payload, f.memoed = &v, payload, true
			if nf >= 0 {
				return f, nil, m.notFoundErr(nf, payload)
			}
			return f, nil, nil
		}
		if held != nil {
			release = held
		}
	}
	start := time.Now()
	v, err := load(ctx)
	f.value, f.load = &v, time.Since(start)
	// Stored even if every caller has left and cancelled ctx.
	sctx := context.WithoutCancel(ctx)
	if err != nil {
		nf := m.notFoundIndex(err)
		if nf < 0 {
			release()
			return f, nil, err // errors are not cached
		}
		// Cached as it is: a hit returns the zero value and the error
		// variable itself, or an error rebuilt from the record of err.
		ttl := jitter(m.notFoundTTL)
		record := m.notFoundRecord(nf, err)
		if c.near != nil {
			keepNear(c, m, entryKey, tokens, v, record, nf, ttl)
		}
		seq := c.memo.put(key, record, nf, ttl)
		return f, c.stores.after(entryKey, func() {
			entry := append(appendNotFoundHeader(make([]byte, 0, 64+len(record)), nf, tokens), record...)
			if err := c.store.Set(sctx, entryKey, entry, ttl); err != nil {
				c.fault(sctx, m, entryKey, "set", err)
			}
			c.memo.stored(key, seq)
		}), err
	}
	// A pointer, so that encoding/json calls MarshalJSON methods with
	// pointer receivers on the value's fields (big.Int) instead of encoding
	// them by reflection.
	data, err := encodeValue(m, &v)
	if err != nil {
		c.fault(ctx, m, entryKey, "encode", err)
		release()
		return f, nil, nil
	}
	f.payload = data
	ttl := jitter(m.ttl)
	var expires int64 // recorded for a method that refreshes its entries early
	if m.refresh > 0 {
		expires = time.Now().Add(ttl).UnixMilli()
	}
	if c.near != nil {
		keepNearAt(c, m, entryKey, tokens, v, data, -1, ttl, expires)
	}
	entry := c.appendEntry(tokens, data, expires)
	if c.maxEntrySize > 0 && len(entry) > c.maxEntrySize {
		c.fault(ctx, m, entryKey, "size", fmt.Errorf("cache: entry of %d bytes is over the maximum of %d; not stored", len(entry), c.maxEntrySize))
		release()
		return f, nil, nil
	}
	seq := c.memo.put(key, f.payload, -1, ttl)
	return f, c.stores.after(entryKey, func() {
		if err := c.store.Set(sctx, entryKey, entry, ttl); err != nil {
			c.fault(sctx, m, entryKey, "set", err)
		}
		c.memo.stored(key, seq)
	}), nil
}

// fromMemo returns the result the memo keeps under key (entry key and
// tokens), decoded: a copy of its own for the caller.
func fromMemo[T any](m *Method, key string, epoch uint64) (v T, nfErr error, ok bool) {
	payload, nf, ok := m.c.memo.get(key, epoch)
	switch {
	case !ok:
		return v, nil, false
	case nf >= 0:
		return v, m.notFoundErr(nf, payload), nf < len(m.notFound)
	}
	if decodeValue(m, payload, &v) != nil {
		var zero T
		return zero, nil, false // another method's result under the key: the flight group tells
	}
	return v, nil, true
}

// decodeShared is decodeEntry for a caller of the read shared (nil when
// the read was the caller's own): when m can copy its results, the entry is
// decoded once for all the callers sharing the read, and each takes a copy
// of its own. A hot key's callers then spend a copy each, not a decode.
func decodeShared[T any](m *Method, shared *readBatch, entry []byte, versions [][]byte) (v T, payload []byte, nf int, current bool, err error) {
	cp, ok := m.copy.(func(T) T)
	if shared == nil || !ok {
		return decodeEntry[T](m, entry, versions)
	}
	shared.decodeOnce.Do(func() {
		d := &sharedDecode[T]{}
		d.v, d.payload, d.nf, d.current, d.err = decodeEntry[T](m, entry, versions)
		shared.decoded = d
	})
	d, ok := shared.decoded.(*sharedDecode[T])
	if !ok { // another method's read of the same keys: not something generated code does
		return decodeEntry[T](m, entry, versions)
	}
	if d.err != nil || !d.current || d.nf >= 0 {
		return v, d.payload, d.nf, d.current, d.err
	}
	return cp(d.v), d.payload, d.nf, d.current, nil
}

// decodeEntry decodes entry when it was computed under versions. current
// is false for an entry of other versions or another codec; nf is the index
// of the not-found error a not-found entry records, else -1; err is set for
// a value that is not a cachegen entry, or does not decompress or decode.
func decodeEntry[T any](m *Method, entry []byte, versions [][]byte) (v T, payload []byte, nf int, current bool, err error) {
	payload, nf, current, err = m.c.entryPayload(entry, versions)
	if err != nil || !current {
		return v, nil, -1, false, err
	}
	if nf >= 0 {
		return v, payload, nf, true, nil // payload: the record of a not-found error matched by type
	}
	if err := decodeValue(m, payload, &v); err != nil {
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
