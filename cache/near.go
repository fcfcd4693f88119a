package cache

import (
	"container/list"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// NearCache configures the near cache: values the cache has read or loaded,
// kept decoded in this process, each tagged with the version tokens it was
// computed under, as entries in Redis are. A hit of the near cache needs the
// namespaces' current versions, and only them: it reads the version keys
// (a few bytes, one round trip) instead of the entry, and hands the caller a
// copy of the value instead of decoding it. The rule that makes an entry
// current is the same, so the near cache keeps every guarantee of the
// protocol: no read that starts after a write returned, in any process,
// returns data from before it.
//
// The copy is made by a function cachegen writes for the result type (see
// [Method.Copy]); for a type it cannot copy safely, the near cache keeps the
// encoded value and decodes it for each caller (saving the transfer, not
// the decoding).
type NearCache struct {
	// MaxEntries bounds the number of values held (default 10,000).
	MaxEntries int
	// MaxBytes bounds the sum of the values' encoded sizes (default 64 MiB);
	// a value takes about that much memory decoded too.
	MaxBytes int64
	// Tracked keeps the namespaces' versions in this process too, coherent
	// through Redis's client-side caching: Redis pushes the version keys
	// that change to this process, so a hit whose versions are known makes
	// no round trip at all. The price: in another process than the
	// writer's, a read that starts after a write returned may still return
	// data from before it until the invalidation arrives (about a
	// millisecond on a LAN; see docs/guarantees.md for the measured
	// figures) or MaxStale has passed, instead of never. The writing process stays exact. Tracking
	// needs a store of NewRedisStore over a *redis.Client (a single Redis or
	// a failover client) or a *redis.ClusterClient (Redis tracks keys per
	// server: the tracking then runs on each master, with a subscriber and
	// tracking connections of its own there, set up at the first version
	// read of that master); elsewhere the near cache reads versions from
	// Redis, with a warning. Whenever a tracking connection or a subscriber
	// is lost (on any master), or a master answers that a key has moved,
	// every version kept is forgotten.
	Tracked bool
	// MaxStale bounds, with Tracked, how stale a hit may be in another
	// process than the writer's, however busy this process is: a read that
	// starts MaxStale or more after a write returned never returns data
	// from before it (while the tracking connections are open; see
	// docs/guarantees.md). A known version is used without a round trip
	// only while it was read, or confirmed, less than MaxStale ago: the
	// tracking sends a PING on each subscriber's connection every
	// MaxStale/4, whose reply, received after every invalidation Redis sent
	// before it, confirms what this process knows. A process too starved to
	// hear its invalidations in time reads the versions from Redis instead
	// (NearStats.TrackedUnconfirmed counts those hits). Default 100ms
	// ([DefaultMaxStale]); at most 1s (a known version is read again after
	// a second anyway). A smaller bound costs more PINGs and, on a busy
	// process, more round trips.
	MaxStale time.Duration
}

// DefaultMaxStale is NearCache.MaxStale unless set: 100ms.
const DefaultMaxStale = 100 * time.Millisecond

// WithNearCache turns the near cache on (see [NearCache]). [Cache.NearStats]
// reports what it holds.
func WithNearCache(n NearCache) Option {
	return func(c *Cache) {
		if n.MaxEntries <= 0 {
			n.MaxEntries = 10_000
		}
		if n.MaxBytes <= 0 {
			n.MaxBytes = 64 << 20
		}
		if n.MaxStale <= 0 {
			n.MaxStale = DefaultMaxStale
		}
		n.MaxStale = min(n.MaxStale, trackedMaxAge)
		c.near = newNearStore(n)
		c.nearTracked = n.Tracked
	}
}

// NearStats is what the near cache holds and did.
type NearStats struct {
	Entries int64 // values held
	Bytes   int64 // their encoded sizes
	Hits    int64 // reads it served
	Evicted int64 // values dropped to stay within the bounds
	// With Tracked: whether the tracking runs now (on a Redis Cluster: on
	// every master that has it; a master whose tracking was lost has it
	// again at its next version read), the versions Redis (or this
	// process's writes) said changed, and the times the tracking was lost
	// (on any master) and started again.
	Tracking            bool
	TrackedInvalidation int64
	TrackingResets      int64
	// TrackedUnconfirmed counts the tracked hits whose versions were known
	// but not confirmed within NearCache.MaxStale (the process did not hear
	// from Redis in time): their versions were read from Redis.
	TrackedUnconfirmed int64
}

// NearStats reports what the near cache holds and did; all zero when it is
// off.
func (c *Cache) NearStats() NearStats {
	if c == nil || c.near == nil {
		return NearStats{}
	}
	n := c.near
	st := NearStats{Entries: n.entries.Load(), Bytes: n.bytes.Load(), Hits: n.hits.Load(), Evicted: n.evicted.Load()}
	if t := c.tracker; t != nil {
		st.Tracking = t.tracking()
		st.TrackedInvalidation, st.TrackingResets = t.invalidations.Load(), t.resets.Load()
		st.TrackedUnconfirmed = t.unconfirmed.Load()
	}
	return st
}

// nearShards is the number of independently locked parts of the near cache.
const nearShards = 32

// nearStore holds the near cache's values, in shards each with its own lock
// and least-recently-used order.
type nearStore struct {
	seed   maphash.Seed
	shards [nearShards]nearShard
	// Each shard's bounds: the cache's divided by nearShards.
	maxEntries int
	maxBytes   int64
	maxStale   time.Duration // NearCache.MaxStale, for the tracker

	entries, bytes, hits, evicted atomic.Int64
}

type nearShard struct {
	mu    sync.Mutex
	items map[string]*list.Element // of *nearEntry
	lru   list.List                // most recently used first
	bytes int64
}

// nearEntry is one value the near cache holds. It is never modified once
// made: callers get copies of value, or decode payload.
type nearEntry struct {
	key     string
	tokens  []string // the versions it was computed under, in header order
	value   any      // the decoded value (a T), when the method has a copier
	payload []byte   // the encoded value, when it has none; for a not-found outcome, its error's record
	nf      int      // for a not-found outcome, the index of its error; else -1
	size    int64
	expires time.Time // not served from then on, as its entry in the store is not
	// entryExpiry is the expiry its entry in the store records (Unix ms),
	// for a method that refreshes entries early; else zero.
	entryExpiry int64
}

func newNearStore(n NearCache) *nearStore {
	s := &nearStore{seed: maphash.MakeSeed(),
		maxEntries: max(1, n.MaxEntries/nearShards), maxBytes: max(1, n.MaxBytes/nearShards), maxStale: n.MaxStale}
	for i := range s.shards {
		s.shards[i].items = map[string]*list.Element{}
	}
	return s
}

func (s *nearStore) shard(key string) *nearShard {
	return &s.shards[maphash.String(s.seed, key)%nearShards]
}

// get returns the entry held for key, or nil; an entry that has expired
// is dropped.
func (s *nearStore) get(key string) *nearEntry {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	el, ok := sh.items[key]
	if !ok {
		return nil
	}
	e := el.Value.(*nearEntry)
	if !time.Now().Before(e.expires) {
		s.remove(sh, el)
		return nil
	}
	sh.lru.MoveToFront(el)
	return e
}

// put holds e, in place of what was held for its key, and evicts the least
// recently used entries beyond the shard's bounds.
func (s *nearStore) put(e *nearEntry) {
	if e.size > s.maxBytes {
		s.drop(e.key)
		return
	}
	sh := s.shard(e.key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if el, ok := sh.items[e.key]; ok {
		old := el.Value.(*nearEntry)
		sh.bytes += e.size - old.size
		s.bytes.Add(e.size - old.size)
		el.Value = e
		sh.lru.MoveToFront(el)
	} else {
		sh.items[e.key] = sh.lru.PushFront(e)
		sh.bytes += e.size
		s.bytes.Add(e.size)
		s.entries.Add(1)
	}
	for len(sh.items) > s.maxEntries || sh.bytes > s.maxBytes {
		s.remove(sh, sh.lru.Back())
		s.evicted.Add(1)
	}
}

// drop removes what is held for key.
func (s *nearStore) drop(key string) {
	sh := s.shard(key)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if el, ok := sh.items[key]; ok {
		s.remove(sh, el)
	}
}

// remove removes el from sh; the caller holds sh.mu.
func (s *nearStore) remove(sh *nearShard, el *list.Element) {
	e := sh.lru.Remove(el).(*nearEntry)
	delete(sh.items, e.key)
	sh.bytes -= e.size
	s.bytes.Add(-e.size)
	s.entries.Add(-1)
}

// holds reports whether e was computed under versions.
func (e *nearEntry) holds(versions [][]byte) bool {
	if len(versions) != len(e.tokens) {
		return false
	}
	for i, v := range versions {
		if string(v) != e.tokens[i] {
			return false
		}
	}
	return true
}

// nearValue returns a value of its own for a caller, from e: a copy of the
// decoded value, or the decoded payload. ok is false when neither works
// (the value is then read from the store).
func nearValue[T any](c *Cache, m *Method, e *nearEntry) (v T, ok bool) {
	if e.nf >= 0 {
		return v, true
	}
	if cp, isCopier := m.copy.(func(T) T); isCopier {
		if held, isT := e.value.(T); isT {
			return cp(held), true
		}
	}
	if e.payload == nil {
		return v, false
	}
	if err := decodeValue(m, e.payload, &v); err != nil {
		return v, false
	}
	return v, true
}

// keepNear holds, in the near cache, a value of m that a caller got from
// the store or from the repository, computed under tokens, for ttl at most
// (the TTL of the entry stored with it; for a value read from the store,
// whose entry's remaining TTL is not known, the entry's TTL): a copy when m
// has a copier (the caller keeps the value it got), else payload, which the
// near cache may keep as it is (it is never written again).
func keepNear[T any](c *Cache, m *Method, key string, tokens []string, v T, payload []byte, nf int, ttl time.Duration) {
	keepNearAt(c, m, key, tokens, v, payload, nf, ttl, 0)
}

// keepNearAt is keepNear for an entry of the store that records its
// expiry, entryExpiry (Unix ms), unless it is zero: the near entry expires
// with it, or after ttl if that is sooner (the expiry is the writer's
// clock's, which may be ahead of this one), and its hits start its refresh
// (see [Method.Refresh]).
func keepNearAt[T any](c *Cache, m *Method, key string, tokens []string, v T, payload []byte, nf int, ttl time.Duration, entryExpiry int64) {
	if c.near == nil || m.scoped {
		return
	}
	e := &nearEntry{key: key, tokens: tokens, nf: nf, size: int64(len(payload) + len(key) + 64), expires: time.Now().Add(ttl), entryExpiry: entryExpiry}
	if at := time.UnixMilli(entryExpiry); entryExpiry > 0 && at.Before(e.expires) {
		e.expires = at
	}
	if cp, ok := m.copy.(func(T) T); ok && nf < 0 {
		e.value = cp(v)
	} else {
		if payload == nil && nf < 0 {
			return
		}
		e.payload = payload // for a not-found outcome, the record of its error
	}
	c.near.put(e)
}
