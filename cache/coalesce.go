package cache

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// WithReadCoalescing sets whether concurrent reads of one entry in this
// process share one round trip to the store (default true). While a read
// of an entry is in flight, the callers reading it meanwhile wait together
// for the next read, sent when the one in flight completes (or has taken a
// tenth of the store timeout), and each decodes its own copy of the reply.
// A hot key then costs the store one read per round trip instead of one
// per caller, and a caller that comes while a read is in flight waits for
// up to two round trips instead of one. The near cache's reads of the
// versions are shared the same way, by every entry of the same namespaces.
func WithReadCoalescing(on bool) Option { return func(c *Cache) { c.coalesce = on } }

// readGroup coalesces concurrent reads of one entry: the MGET of its
// version keys and itself. A caller that finds no read of its entry in
// flight sends one itself, under its own context. A caller that finds one
// in flight does not join it: it joins the callers waiting for the next
// read, which is sent when the read in flight completes, and shares its
// reply.
//
// That is what keeps guarantee 1. A read sent before a caller came may
// have reached Redis before a write that had returned before the caller
// started, and carry the versions from before that write. The next read is
// sent only after every caller sharing it came (callers join it only while
// it is waiting, under the group's lock, and it is sent after it leaves the
// group, under the same lock): any write that returned before one of them
// started had set its versions before the read reaches Redis.
//
// So that a slow or hung store does not make a caller wait for two store
// timeouts, the next read is also sent when it has waited hold for the
// one in flight; a key then has more than one read in flight.
//
// The zero value is ready to use.
type readGroup struct {
	mu    sync.Mutex
	reads map[string]readState // by entry key, while a read of it is in flight; guarded by mu
}

// readState is what a readGroup knows of one entry key.
type readState struct {
	sent int        // reads of the key in flight
	next *readBatch // the callers waiting for the next read; nil if none
}

// readBatch is the next read of an entry and the callers sharing it.
type readBatch struct {
	// Set when the batch is created, then only read.
	ctx  context.Context // the first caller's values, without its cancellation
	keys []string
	done chan struct{} // closed once vals and err are written

	// Guarded by readGroup.mu while the batch is its key's next read.
	waiters int
	timer   *time.Timer // sends the batch early

	// Written once before done is closed, and read only after.
	vals [][]byte
	err  error

	reported atomic.Bool // the first caller to take a failure reports it

	// The entry decoded once for the callers sharing the read (see
	// decodeShared).
	decodeOnce sync.Once
	decoded    any // a *sharedDecode[T]
}

// sharedDecode is the entry of a shared read, decoded by the first caller
// that needed it: the others take copies of v.
type sharedDecode[T any] struct {
	v       T
	payload []byte
	nf      int
	current bool
	err     error
}

// get returns the values of the version keys and of the entry key (none
// when entryKey is ""), which key names, from a read sent after the caller
// came. first reports whether the caller is the one that reports a failure
// of the read: the only caller of its read, or the first of the callers
// sharing it to take the failure.
func (g *readGroup) get(ctx context.Context, store Store, key string, versionKeys []string, entryKey string, hold time.Duration) (vals [][]byte, shared *readBatch, first bool, err error) {
	g.mu.Lock()
	st, busy := g.reads[key]
	if !busy {
		if g.reads == nil {
			g.reads = make(map[string]readState)
		}
		g.reads[key] = readState{sent: 1}
		g.mu.Unlock()
		vals, err = g.sendOwn(ctx, store, key, versionKeys, entryKey)
		return vals, nil, true, err
	}
	b := st.next
	switch {
	case b == nil:
		keys := readKeys(make([]string, 0, len(versionKeys)+1), versionKeys, entryKey)
		b = &readBatch{ctx: context.WithoutCancel(ctx), keys: keys, done: make(chan struct{})}
		b.timer = time.AfterFunc(hold, func() { g.sendEarly(key, b, store) })
		st.next = b
		g.reads[key] = st
	case !b.reads(versionKeys, entryKey):
		// Another method's read of the same entry key (not something
		// generated code does): not shared.
		g.mu.Unlock()
		vals, err = getOwn(ctx, store, versionKeys, entryKey)
		return vals, nil, true, err
	}
	b.waiters++
	g.mu.Unlock()
	select {
	case <-b.done:
	case <-ctx.Done():
		g.leave(key, b)
		return nil, nil, false, ctx.Err()
	}
	if b.err != nil {
		first = b.reported.CompareAndSwap(false, true)
	}
	return b.vals, b, first, b.err
}

// reads reports whether b reads the version keys and the entry key.
func (b *readBatch) reads(versionKeys []string, entryKey string) bool {
	n := len(versionKeys)
	if entryKey == "" {
		return slices.Equal(b.keys, versionKeys)
	}
	return len(b.keys) == n+1 && b.keys[n] == entryKey && slices.Equal(b.keys[:n], versionKeys)
}

// sendOwn reads the keys for the caller alone, under its own context,
// then has the batch that gathered meanwhile sent, also if the store
// panics.
func (g *readGroup) sendOwn(ctx context.Context, store Store, key string, versionKeys []string, entryKey string) ([][]byte, error) {
	defer func() {
		if next := g.completed(key); next != nil {
			go g.send(key, next, store)
		}
	}()
	return getOwn(ctx, store, versionKeys, entryKey)
}

// completed records that a read of key has completed, and returns the
// batch waiting for the next read, which the caller must send, or nil.
func (g *readGroup) completed(key string) *readBatch {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.reads[key]
	if b := st.next; b != nil {
		// One read completed, the next is sent: sent stays the same.
		b.timer.Stop()
		st.next = nil
		g.reads[key] = st
		return b
	}
	if st.sent--; st.sent == 0 {
		delete(g.reads, key)
	} else {
		g.reads[key] = st
	}
	return nil
}

// send reads b's keys for its callers, then the batches that gathered
// meanwhile, until none is waiting.
func (g *readGroup) send(key string, b *readBatch, store Store) {
	for b != nil {
		b.vals, b.err = getRecovered(b.ctx, store, b.keys)
		close(b.done)
		// Let the callers just woken run first: those that read the key
		// again join the next batch before it is sent, so that one read
		// serves more of them.
		runtime.Gosched()
		b = g.completed(key)
	}
}

// sendEarly sends b if it is still waiting for the read in flight.
func (g *readGroup) sendEarly(key string, b *readBatch, store Store) {
	g.mu.Lock()
	st := g.reads[key]
	if st.next != b {
		g.mu.Unlock()
		return // sent already, or every caller left
	}
	st.next = nil
	st.sent++
	g.reads[key] = st
	g.mu.Unlock()
	g.send(key, b, store)
}

// leave takes a caller whose context ended off b, unless b has been sent.
// The last caller to leave drops the batch.
func (g *readGroup) leave(key string, b *readBatch) {
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.reads[key]
	if st.next != b {
		return
	}
	if b.waiters--; b.waiters == 0 {
		b.timer.Stop()
		st.next = nil
		g.reads[key] = st
	}
}

// getRecovered is store.Get, with a panic of the store returned as an
// error: on a goroutine of the group's, it would end the program.
func getRecovered(ctx context.Context, store Store, keys []string) (vals [][]byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			vals, err = nil, fmt.Errorf("cache: the store's Get panicked: %w", newPanicError(r))
		}
	}()
	return store.Get(ctx, keys)
}

// readHold is how long the callers waiting for the next read of a key wait
// for the read in flight before their read is sent anyway: a tenth of the
// store timeout, 15ms without one.
func readHold(storeTimeout time.Duration) time.Duration {
	if storeTimeout <= 0 {
		return 15 * time.Millisecond
	}
	return max(storeTimeout/10, time.Millisecond)
}
