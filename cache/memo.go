package cache

import (
	"sync"
	"sync/atomic"
	"time"
)

// The memo's bounds: how long a result is kept after its flight delivered
// it (never longer than the entry's TTL), and how many results and payload
// bytes it holds at most. A result only needs to outlive the time a caller
// takes from its read of Redis to the flight group (microseconds, a store
// timeout or two on a loaded machine); the oldest results go first.
const (
	memoLifetime = time.Second
	memoMaxItems = 1024
	memoMaxBytes = 8 << 20
)

// memo keeps the results of this process's recent flights, by entry key
// and version tokens (the flight's key), for a short while after each was
// delivered. A caller that read Redis before a flight's entry was stored
// there, and reaches the flight group after the flight has gone, takes the
// result from here instead of loading again or asking Redis once more.
//
// Only such callers: a caller notes the memo's epoch before its read, and
// a result stored in Redis is only served to callers whose read started
// before its store completed. A caller whose read started after missed
// because the entry has gone (it expired, was evicted or deleted), and
// loads again as it would without the memo.
//
// A result is only found under the version tokens it was computed under,
// which the caller read from Redis after it started: it is as current as
// the entry the flight stores under those tokens, so the memo opens no
// stale-read window. Errors are not kept, but the not-found errors a method
// caches like values.
//
// The zero value is ready to use.
type memo struct {
	epoch atomic.Uint64 // counts the stores of kept results that completed

	mu    sync.Mutex
	items map[string]memoItem // guarded by mu
	order []memoRef           // keys in order of insertion, oldest first, from head; guarded by mu
	head  int                 // guarded by mu
	bytes int                 // payload bytes held; guarded by mu
	seq   uint64              // guarded by mu
}

// memoItem is one kept result: an encoded value, or a not-found error.
type memoItem struct {
	payload []byte // the codec's encoding of the value; nil for a not-found result
	nf      int    // index of the method's not-found error, else -1
	expires time.Time
	seq     uint64 // tells this item from an older one under the same key in order
	stored  uint64 // the epoch its store completed in; 0 until then
}

type memoRef struct {
	key string
	seq uint64
}

// now returns the current epoch, for get: note it before reading the store.
func (m *memo) now() uint64 { return m.epoch.Load() }

// put keeps a result under key until ttl has passed (at most memoLifetime),
// and returns the number to pass to stored once the result is in the store.
// The caller must not modify payload afterwards.
func (m *memo) put(key string, payload []byte, nf int, ttl time.Duration) (seq uint64) {
	if len(payload) > memoMaxBytes/8 {
		return 0 // a few large results would push out every other
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items == nil {
		m.items = make(map[string]memoItem)
	}
	if old, ok := m.items[key]; ok {
		m.bytes -= len(old.payload)
	}
	m.seq++
	m.items[key] = memoItem{payload: payload, nf: nf, expires: now.Add(min(ttl, memoLifetime)), seq: m.seq}
	m.order = append(m.order, memoRef{key: key, seq: m.seq})
	m.bytes += len(payload)
	m.trim(now)
	return m.seq
}

// stored records that the store of the result put returned seq for has
// completed (or failed): from now on, callers that read the store after
// it do not get the result.
func (m *memo) stored(key string, seq uint64) {
	if seq == 0 {
		return
	}
	e := m.epoch.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if it, ok := m.items[key]; ok && it.seq == seq {
		it.stored = e
		m.items[key] = it
	}
}

// trim drops the oldest items while the memo is over its bounds or they
// have expired. The caller holds m.mu.
func (m *memo) trim(now time.Time) {
	for m.head < len(m.order) {
		ref := m.order[m.head]
		it, ok := m.items[ref.key]
		current := ok && it.seq == ref.seq
		within := len(m.items) <= memoMaxItems && m.bytes <= memoMaxBytes && len(m.order)-m.head <= 2*memoMaxItems
		if current && within && now.Before(it.expires) {
			break
		}
		if current {
			delete(m.items, ref.key)
			m.bytes -= len(it.payload)
		}
		m.order[m.head] = memoRef{}
		m.head++
	}
	if m.head > len(m.order)/2 { // reuse the front of the slice
		n := copy(m.order, m.order[m.head:])
		clear(m.order[n:])
		m.order = m.order[:n]
		m.head = 0
	}
}

// get returns the result kept under key for a caller that noted epoch
// before its read of the store, unless it has expired or was stored before
// that read.
func (m *memo) get(key string, epoch uint64) (payload []byte, nf int, ok bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, ok := m.items[key]
	if !ok || it.stored != 0 && it.stored <= epoch || !time.Now().Before(it.expires) {
		return nil, -1, false
	}
	return it.payload, it.nf, true
}
