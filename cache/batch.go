package cache

import (
	"context"
	"fmt"
	"time"
)

// FetchSlice returns the elements for ids of the batch read m, each
// element cached under an entry of its own: key(id) is the key of id's
// entry (written as a single read of one id writes its key, so that the
// entries can be shared with one), by(v) the id an element of the
// repository's result stands for (false for an element that names none, a
// nil pointer), and load calls the wrapped repository.
//
// One round trip reads every element's entry and the versions of its
// namespaces (one MGET on a single Redis; a pipeline of one MGET per hash
// tag on Redis Cluster). load is then called once, on the caller's
// goroutine and with its ctx, with the ids that missed, distinct and in
// the caller's order; what it returns is matched back to them by by. The
// result holds one element per distinct id that was found (in the cache or
// by load), in the order of ids: a repository that returns fewer rows or
// another order is handled. An id load does not return is cached as not
// found when m caches not-found outcomes (the [Method.NotFound] list: its
// first error, when it is an error variable: an error type's entries record
// the load's error, which a batch does not have), and is missing from the
// result either way. Ids are told apart, and rows matched to them, by
// their keys: ids that are not == but have one key (one instant in two
// time zones, structs holding pointers to equal values) are one id. Rows
// of ids that were not asked for, and second rows of one id, are dropped,
// and so is a cached element that by says names no id or another (a nil
// pointer or a zero value a single read sharing the entry returned).
//
// An empty ids, the cache being off (nil, disabled, a transaction) and a
// fault of the store call load with ids as they are and return what it
// returns, as the uncached call does. An error of load is returned with a
// nil result, and nothing is stored.
//
// Each element follows the protocol of [Fetch]: its namespaces' versions
// are read before load is called, and its entry is tagged with them, so a
// write that invalidates one element's namespace makes the next batch
// reload that element and only it.
//
// Called by generated code; not part of the user API.
func FetchSlice[K comparable, V any](ctx context.Context, m *Method, ids []K, key func(K) Key, by func(V) (K, bool), load func(context.Context, []K) ([]V, error)) ([]V, error) {
	if len(ids) == 0 || batchOff(ctx, m) {
		return skipBatch(ctx, m, ids, load)
	}
	b, ok := readBatchEntries(ctx, m, ids, key, by)
	if !ok {
		return skipBatch(ctx, m, ids, load)
	}
	err := loadMissing(ctx, b, load, func(rows []V) {
		for i := range rows {
			if id, ok := by(rows[i]); ok {
				b.loaded(id, rows[i])
			}
		}
	})
	if err != nil {
		return nil, err
	}
	out := make([]V, 0, len(b.ids))
	for i := range b.ids {
		if b.found[i] {
			out = append(out, b.vals[i])
		}
	}
	return out, nil
}

// FetchMap is [FetchSlice] for a batch read returning a map from id to
// element: load's map is matched back by its keys, and the result holds
// the ids that were found. It is never nil unless load's is (an empty
// ids, the cache off, a fault).
//
// Called by generated code; not part of the user API.
func FetchMap[K comparable, V any](ctx context.Context, m *Method, ids []K, key func(K) Key, load func(context.Context, []K) (map[K]V, error)) (map[K]V, error) {
	if len(ids) == 0 || batchOff(ctx, m) {
		return skipBatch(ctx, m, ids, load)
	}
	b, ok := readBatchEntries[K, V](ctx, m, ids, key, nil)
	if !ok {
		return skipBatch(ctx, m, ids, load)
	}
	err := loadMissing(ctx, b, load, func(rows map[K]V) {
		for id, v := range rows {
			b.loaded(id, v)
		}
	})
	if err != nil {
		return nil, err
	}
	out := make(map[K]V, len(b.ids))
	for i, id := range b.ids {
		if b.found[i] {
			out[id] = b.vals[i]
		}
	}
	return out, nil
}

// loadMissing calls load once with the ids of b that missed, unless none
// did, hands its result to take (which matches the rows back with
// b.loaded), and stores the entries. An error of load is returned, and
// nothing is stored.
func loadMissing[K comparable, V, R any](ctx context.Context, b *batch[K, V], load func(context.Context, []K) (R, error), take func(R)) error {
	if len(b.missing) == 0 {
		return nil
	}
	start := time.Now()
	rows, err := load(ctx, b.missingIDs())
	took := time.Since(start)
	if err != nil {
		return err
	}
	take(rows)
	b.finish(ctx, took)
	return nil
}

// batchOff reports whether a batch read goes straight to the repository:
// no cache, a disabled one, or a read in a database transaction.
func batchOff(ctx context.Context, m *Method) bool {
	return m == nil || m.c.disabled || m.scoped || txFrom(ctx) != nil
}

// skipBatch calls load with ids, without the cache.
func skipBatch[K any, R any](ctx context.Context, m *Method, ids []K, load func(context.Context, []K) (R, error)) (R, error) {
	if m != nil && len(ids) > 0 {
		m.c.emit(ctx, Event{Kind: EventBypass, Method: m.name, Namespaces: m.namespaces})
		record(ctx, m, StatusBypass)
	}
	return load(ctx, ids)
}

// batch is one batch read in progress: the distinct ids, what the cache
// holds for each, and the entries to store for those load returned.
type batch[K comparable, V any] struct {
	m       *Method
	key     func(K) Key
	ids     []K            // distinct, in the caller's order (see find)
	index   map[string]int // position in ids of each id by its key's bytes
	equal   map[K]int      // position in ids of each id by the id itself
	calls   []call         // per id: its namespaces, version keys and entry key
	usable  []bool         // per id: its entry may be read and stored
	vals    []V            // per id: its element, when found
	found   []bool         // per id: vals holds its element
	missing []int          // the ids to load, as positions in ids
	wanted  []bool         // per id: it is among the missing
	tokens  [][]string     // per id: the versions it loads under; nil: not stored
	hits    int
}

// readBatchEntries reads the entries and versions of every distinct id of
// ids in one round trip and decodes the current ones. It returns false
// when the store failed: the caller then bypasses the cache.
//
// by, when not nil, is FetchSlice's: an entry whose element does not name
// its id (a single read's entry, sharing this one, of a nil pointer or a
// zero value it returned for a missing row) is a hit that finds nothing,
// as the uncached batch read would not return it.
func readBatchEntries[K comparable, V any](ctx context.Context, m *Method, ids []K, key func(K) Key, by func(V) (K, bool)) (*batch[K, V], bool) {
	c := m.c
	b := &batch[K, V]{m: m, key: key, index: make(map[string]int, len(ids)), equal: make(map[K]int, len(ids))}
	var idKeys []Key // per distinct id
	for _, id := range ids {
		k := key(id)
		if _, dup := b.find(id, &k); !dup {
			b.add(id, &k)
			idKeys = append(idKeys, k)
		}
	}
	n := len(b.ids)
	b.calls, b.usable = make([]call, n), make([]bool, n)
	b.vals, b.found, b.tokens, b.wanted = make([]V, n), make([]bool, n), make([][]string, n), make([]bool, n)

	// The keys to read: each version key once, then each entry key.
	keys := make([]string, 0, n+4)
	at := map[string]int{}
	verIdx := make([][]int, n) // per id: the positions of its versions in keys
	for i := range b.ids {
		cl, ok := batchCall(m, &idKeys[i])
		if !ok || c.dirty.any(cl.names) {
			continue
		}
		b.calls[i], b.usable[i] = cl, true
		verIdx[i] = make([]int, len(cl.versionKeys))
		for j, vk := range cl.versionKeys {
			p, seen := at[vk]
			if !seen {
				p = len(keys)
				at[vk] = p
				keys = append(keys, vk)
			}
			verIdx[i][j] = p
		}
	}
	entryAt := len(keys)
	for i := range b.ids {
		if b.usable[i] {
			keys = append(keys, b.calls[i].entryKey)
		}
	}
	var vals [][]byte
	if len(keys) > 0 {
		var err error
		if vals, err = c.store.Get(ctx, keys); err != nil {
			if ctx.Err() == nil {
				c.fault(ctx, m, keys[len(keys)-1], "get", err)
			}
			return nil, false
		}
	}

	// Decode the current entries; the others are loaded.
	versions := make([][][]byte, n)
	e := entryAt
	for i := range b.ids {
		if !b.usable[i] {
			b.miss(i)
			continue
		}
		vs := make([][]byte, len(verIdx[i]))
		for j, p := range verIdx[i] {
			vs[j] = vals[p]
		}
		versions[i] = vs
		entry := vals[e]
		e++
		if entry != nil && allValid(vs) {
			v, _, nf, current, err := decodeEntry[V](m, entry, vs)
			switch {
			case err != nil:
				c.fault(ctx, m, b.calls[i].entryKey, "decode", err)
			case current && nf < len(m.notFound):
				b.hits++
				c.emit(ctx, Event{Kind: EventHit, Method: m.name, Namespaces: m.namespaces, Key: b.calls[i].entryKey})
				if nf < 0 && b.names(by, v, i) {
					b.vals[i], b.found[i] = v, true
				}
				continue
			}
		}
		b.miss(i)
	}
	if len(b.missing) == 0 {
		record(ctx, m, StatusHit)
		return b, true
	}
	b.versionsFor(ctx, keys[:entryAt], vals, verIdx)
	return b, true
}

// batchCall is the call of one element of a batch read: m.resolve for a
// method with templates, else m's namespaces and the key's entry.
func batchCall(m *Method, k *Key) (call, bool) {
	if k.bypass {
		return call{}, false
	}
	if m.templated {
		return m.resolve(k)
	}
	return call{names: m.namespaces, versionKeys: m.versionKeys, entryKey: k.entry()}, true
}

// versionsFor sets the tokens the missing ids load under: the versions
// read with the entries, version keys that do not exist created (once
// each, in one round trip, as [Fetch] does). When that fails the missing
// ids are still loaded, but not stored.
func (b *batch[K, V]) versionsFor(ctx context.Context, vkeys []string, vals [][]byte, verIdx [][]int) {
	m := b.m
	// The version keys the missing ids need, each once, with its TTL.
	need := map[int]int{} // position in vkeys -> position in the call below
	var cl call
	var read [][]byte
	for _, i := range b.missing {
		if !b.usable[i] {
			continue
		}
		for j, p := range verIdx[i] {
			if _, ok := need[p]; ok {
				continue
			}
			need[p] = len(cl.versionKeys)
			cl.versionKeys = append(cl.versionKeys, vkeys[p])
			cl.ttls = append(cl.ttls, ttlAt(b.calls[i].ttls, j))
			read = append(read, vals[p])
		}
	}
	if len(cl.versionKeys) == 0 {
		return
	}
	cl.entryKey = b.calls[b.missing[0]].entryKey
	tokens, err := m.c.ensureVersions(ctx, m, &cl, read)
	if err != nil {
		m.c.fault(ctx, m, cl.entryKey, "init", err)
		return
	}
	for _, i := range b.missing {
		if !b.usable[i] {
			continue
		}
		ts := make([]string, len(verIdx[i]))
		for j, p := range verIdx[i] {
			ts[j] = tokens[need[p]]
		}
		b.tokens[i] = ts
	}
}

// missingIDs returns the ids to load, distinct, in the caller's order.
func (b *batch[K, V]) missingIDs() []K {
	out := make([]K, len(b.missing))
	for j, i := range b.missing {
		out[j] = b.ids[i]
	}
	return out
}

// miss marks the id at i as one to load.
func (b *batch[K, V]) miss(i int) {
	b.missing = append(b.missing, i)
	b.wanted[i] = true
}

// loaded takes one element load returned for id: the first for an id
// that missed; others are dropped.
func (b *batch[K, V]) loaded(id K, v V) {
	k := b.key(id)
	if i, ok := b.find(id, &k); ok && b.wanted[i] && !b.found[i] {
		b.vals[i], b.found[i] = v, true
	}
}

// find returns the position in ids of id, whose key is k: the id whose
// key has the same bytes, as the entries of two such ids are one (ids
// that are not == may have one key: time.Time values of one instant in two
// zones, structs holding pointers to equal values), else the id == to it
// (-0 and 0 are ==, with keys of their own).
func (b *batch[K, V]) find(id K, k *Key) (int, bool) {
	if !k.bypass {
		if i, ok := b.index[string(k.buf)]; ok {
			return i, true
		}
	}
	i, ok := b.equal[id]
	return i, ok
}

// add appends id, whose key is k, to ids.
func (b *batch[K, V]) add(id K, k *Key) {
	if !k.bypass {
		b.index[string(k.buf)] = len(b.ids)
	}
	b.equal[id] = len(b.ids)
	b.ids = append(b.ids, id)
}

// names reports whether v, an element decoded for the id at i, names that
// id by by (always, without by).
func (b *batch[K, V]) names(by func(V) (K, bool), v V, i int) bool {
	if by == nil {
		return true
	}
	id, ok := by(v)
	if !ok {
		return false
	}
	k := b.key(id)
	j, ok := b.find(id, &k)
	return ok && j == i
}

// finish reports the misses and stores the entries of the loaded ids
// (and the not-found ones, when m caches them) after the caller has the
// result, in one pipelined round trip, as a miss of [Fetch] does.
func (b *batch[K, V]) finish(ctx context.Context, took time.Duration) {
	m, c := b.m, b.m.c
	var keys []string
	var entries [][]byte
	var ttls []time.Duration
	stored := false
	for n, i := range b.missing {
		cl := b.calls[i]
		if !b.usable[i] {
			continue
		}
		e := Event{Kind: EventMiss, Method: m.name, Namespaces: m.namespaces, Key: cl.entryKey}
		if n == 0 {
			e.Load = took // one repository call, counted once
		}
		c.emit(ctx, e)
		stored = true
		tokens := b.tokens[i]
		if tokens == nil {
			continue
		}
		var entry []byte
		var ttl time.Duration
		switch {
		case b.found[i]:
			data, err := encodeValue(m, &b.vals[i])
			if err != nil {
				c.fault(ctx, m, cl.entryKey, "encode", err)
				continue
			}
			ttl = jitter(m.ttl)
			var expires int64 // recorded for a method that refreshes its entries early (a single read's, shared)
			if m.refresh > 0 {
				expires = time.Now().Add(ttl).UnixMilli()
			}
			entry = c.appendEntry(tokens, data, expires)
			if c.maxEntrySize > 0 && len(entry) > c.maxEntrySize {
				c.fault(ctx, m, cl.entryKey, "size", fmt.Errorf("cache: entry of %d bytes is over the maximum of %d; not stored", len(entry), c.maxEntrySize))
				continue
			}
		case len(m.notFound) > 0 && !m.recordsNotFound(0):
			entry, ttl = appendNotFoundHeader(make([]byte, 0, 64), 0, tokens), jitter(m.notFoundTTL)
		default:
			// Not found, and not-found outcomes are not cached, or the
			// first is an error type: its entry would record the error's
			// value, and the batch has no error of the repository's.
			continue
		}
		keys, entries, ttls = append(keys, cl.entryKey), append(entries, entry), append(ttls, ttl)
	}
	if stored {
		record(ctx, m, StatusMiss)
	} else {
		record(ctx, m, StatusBypass)
	}
	if len(keys) == 0 {
		return
	}
	// The stores run after the caller returns, tracked by the flight group
	// so that Close waits for them.
	sctx := context.WithoutCancel(ctx)
	store := func() {
		if err := setEach(sctx, c.store, keys, entries, ttls); err != nil {
			c.fault(sctx, m, keys[0], "set", err)
		}
	}
	c.flights.goStore(store)
}
