package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"
)

// Fetch returns the result of the cached read m for the arguments in key:
// from the cache when an entry computed under the namespaces' current
// versions exists, else from load, whose result is then stored. Generated
// wrappers call it; load calls the wrapped repository.
//
// A hit costs one round trip to the store. Concurrent misses for the same
// key and versions in one process share one call of load; each caller gets
// its own copy of the result. Errors from load are returned as they are and
// never stored. Faults of the store or the codec never fail the call: they are
// reported to the observer and the logger, and load is called.
func Fetch[T any](ctx context.Context, m *Method, key Key, load func(context.Context) (T, error)) (T, error) {
	if m == nil || m.c.disabled || m.c.dirty.any(m.namespaces) {
		if m != nil {
			m.c.emit(ctx, Event{Kind: EventBypass, Method: m.name, Namespaces: m.namespaces})
		}
		record(ctx, m, StatusBypass)
		return load(ctx)
	}
	c := m.c
	// The key's bytes are never written again: share them, do not copy.
	entryKey := unsafe.String(unsafe.SliceData(key.buf), len(key.buf))
	n := len(m.versionKeys)
	keys := make([]string, n+1)
	copy(keys, m.versionKeys)
	keys[n] = entryKey

	vals, err := c.store.Get(ctx, keys)
	if err != nil {
		return bypass(ctx, m, entryKey, "get", err, load)
	}
	versions, entry := vals[:n], vals[n]
	if entry != nil && allValid(versions) {
		v, _, current, err := decodeEntry[T](c, entry, versions)
		if err != nil {
			c.fault(ctx, m, entryKey, "decode", err)
		} else if current {
			c.emit(ctx, Event{Kind: EventHit, Method: m.name, Namespaces: m.namespaces, Key: entryKey})
			record(ctx, m, StatusHit)
			return v, nil
		}
	}
	tokens, err := c.ensureVersions(ctx, m, entryKey, versions)
	if err != nil {
		return bypass(ctx, m, entryKey, "init", err, load)
	}
	return fill(ctx, m, entryKey, tokens, load)
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
// SET NX of a fresh token; values this package cannot have written are
// replaced by a fresh token, which invalidates the namespace.
func (c *Cache) ensureVersions(ctx context.Context, m *Method, entryKey string, versions [][]byte) ([]string, error) {
	tokens := make([]string, len(versions))
	var missing, garbage []int
	for i, v := range versions {
		switch {
		case v == nil:
			missing = append(missing, i)
		case !validToken(v):
			garbage = append(garbage, i)
		default:
			tokens[i] = string(v)
		}
	}
	if len(garbage) > 0 {
		keys, fresh := subset(m.versionKeys, garbage), newTokens(len(garbage))
		c.fault(ctx, m, entryKey, "get", errors.New("cache: version key holds a foreign value; resetting it"))
		if err := c.store.SetVersions(ctx, keys, fresh); err != nil {
			return nil, err
		}
		for j, i := range garbage {
			tokens[i] = fresh[j]
		}
	}
	if len(missing) > 0 {
		cur, err := c.store.InitVersions(ctx, subset(m.versionKeys, missing), newTokens(len(missing)))
		if err != nil {
			return nil, err
		}
		for j, i := range missing {
			if !validToken([]byte(cur[j])) {
				return nil, errors.New("cache: version key holds a foreign value")
			}
			tokens[i] = cur[j]
		}
	}
	return tokens, nil
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
	starter *byte       // identifies the caller whose context ran the load
	value   any         // what load returned, handed to the first claimant
	payload []byte      // the encoded value, decoded by the other callers; nil if encoding failed
	claimed atomic.Bool // the first caller to read the flight takes value
	panicV  any         // what load panicked with, raised again in every caller
}

// fill calls load once per key and versions in this process, stores its
// result tagged with tokens, and gives each caller its own copy.
func fill[T any](ctx context.Context, m *Method, entryKey string, tokens []string, load func(context.Context) (T, error)) (T, error) {
	c := m.c
	me := new(byte)
	ch := c.group.DoChan(entryKey+"\n"+strings.Join(tokens, ","), func() (res any, err error) {
		f := &flight{starter: me}
		defer func() {
			if p := recover(); p != nil {
				f.panicV, res, err = p, f, nil
			}
		}()
		// A caller that missed just before an earlier flight for the same
		// key and versions stored its result starts this one: look again,
		// so a process loads an entry once.
		if v, payload, ok := recheck[T](ctx, c, entryKey, tokens); ok {
			f.value, f.payload = v, payload
			return f, nil
		}
		v, err := load(ctx)
		f.value = v
		if err != nil {
			return f, err
		}
		// A pointer, so that encoding/json calls MarshalJSON methods with
		// pointer receivers on the value's fields (big.Int) instead of
		// encoding them by reflection.
		data, err := c.codec.Marshal(&v)
		if err != nil {
			c.fault(ctx, m, entryKey, "encode", err)
			return f, nil
		}
		f.payload = data
		entry := c.appendEntry(tokens, data)
		// The result is stored even if the caller has gone: others may wait.
		if err := c.store.Set(context.WithoutCancel(ctx), entryKey, entry, jitter(m.ttl)); err != nil {
			c.fault(ctx, m, entryKey, "set", err)
		}
		return f, nil
	})

	var zero T
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case res := <-ch:
		f := res.Val.(*flight)
		if f.panicV != nil {
			panic(f.panicV)
		}
		own, sameType := f.value.(T)
		if !sameType {
			// Descriptors made by hand without an identity can share a key
			// across result types: never hand over, or decode into, a value
			// of another type.
			c.fault(ctx, m, entryKey, "flight", fmt.Errorf("cache: a shared load for this key returned %T, not %T", f.value, own))
			record(ctx, m, StatusBypass)
			return load(ctx)
		}
		if res.Err != nil {
			if f.starter != me && ctx.Err() == nil && isContextErr(res.Err) {
				// Another caller's context ended its load: this caller's
				// has not, so it loads for itself.
				record(ctx, m, StatusMiss)
				return load(ctx)
			}
			if f.claimed.CompareAndSwap(false, true) {
				return own, res.Err
			}
			return zero, res.Err
		}
		c.emit(ctx, Event{Kind: EventMiss, Method: m.name, Namespaces: m.namespaces, Key: entryKey})
		record(ctx, m, StatusMiss)
		if f.claimed.CompareAndSwap(false, true) {
			return own, nil
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
}

// recheck reads the entry again and decodes it when it was stored under
// tokens.
func recheck[T any](ctx context.Context, c *Cache, entryKey string, tokens []string) (v T, payload []byte, ok bool) {
	vals, err := c.store.Get(ctx, []string{entryKey})
	if err != nil || vals[0] == nil {
		return v, nil, false
	}
	versions := make([][]byte, len(tokens))
	for i, t := range tokens {
		versions[i] = []byte(t)
	}
	v, payload, current, err := decodeEntry[T](c, vals[0], versions)
	return v, payload, current && err == nil
}

// decodeEntry decodes entry when it was computed under versions. current
// is false for an entry of other versions or another codec; err is set for
// a value that is not a cachegen entry, or does not decompress or decode.
func decodeEntry[T any](c *Cache, entry []byte, versions [][]byte) (v T, payload []byte, current bool, err error) {
	payload, current, err = c.entryPayload(entry, versions)
	if err != nil || !current {
		return v, nil, false, err
	}
	if err := c.codec.Unmarshal(payload, &v); err != nil {
		return v, nil, false, err
	}
	return v, payload, true, nil
}

func isContextErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
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
