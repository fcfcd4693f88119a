package cache

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Retry schedule of lost invalidations; see [Cache.Invalidate].
const (
	retryFirst = 50 * time.Millisecond
	retryMax   = time.Second
)

// dirtySet tracks the namespaces whose invalidation failed in this process.
// While a namespace is dirty, reads of it bypass the cache here, and a
// background goroutine keeps bumping its version until that succeeds.
type dirtySet struct {
	n  atomic.Int64 // number of dirty namespaces, for a lock-free fast path
	mu sync.Mutex
	ns map[string]dirtyNS // dirty namespace -> its last failure
	// retrying is true while the retry goroutine runs; stopped is set by
	// Cache.Close, after which no retry goroutine starts.
	retrying, stopped bool
	// retries counts the retry goroutine, added under mu.
	retries sync.WaitGroup
}

// dirtyNS is a namespace whose invalidation failed.
type dirtyNS struct {
	gen   uint64        // generation of its last failure
	ttl   time.Duration // of its version key (a template member's has one)
	label string        // the namespace as events report it (see Cache.invalidate)
}

// any reports whether one of namespaces is dirty.
func (d *dirtySet) any(namespaces []string) bool {
	if d.n.Load() == 0 {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, ns := range namespaces {
		if _, ok := d.ns[ns]; ok {
			return true
		}
	}
	return false
}

// snapshot returns the state of namespaces, taken before a bump.
func (d *dirtySet) snapshot(namespaces []string) map[string]dirtyNS {
	if d.n.Load() == 0 {
		return nil
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]dirtyNS{}
	for _, ns := range namespaces {
		if g, ok := d.ns[ns]; ok {
			out[ns] = g
		}
	}
	return out
}

// clean marks namespaces clean after a bump that started when they were at
// the generations in before; a failure since then keeps them dirty.
func (d *dirtySet) clean(before map[string]dirtyNS) {
	if len(before) == 0 {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	for ns, g := range before {
		if cur, ok := d.ns[ns]; ok && cur.gen == g.gen {
			delete(d.ns, ns)
		}
	}
	d.n.Store(int64(len(d.ns)))
}

var dirtyGen atomic.Uint64

// mark makes namespaces dirty, each with its label and the TTL of its
// version key (ttls may be nil), and reports whether the retry goroutine
// must be started.
func (d *dirtySet) mark(namespaces, labels []string, ttls []time.Duration) (start bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ns == nil {
		d.ns = map[string]dirtyNS{}
	}
	g := dirtyGen.Add(1)
	for i, ns := range namespaces {
		d.ns[ns] = dirtyNS{gen: g, ttl: ttlAt(ttls, i), label: labels[i]}
	}
	d.n.Store(int64(len(d.ns)))
	if d.retrying || d.stopped {
		return false
	}
	d.retrying = true
	d.retries.Add(1)
	return true
}

// stop prevents retry goroutines from starting; the caller then waits for
// the running one with retries.Wait.
func (d *dirtySet) stop() {
	d.mu.Lock()
	d.stopped = true
	d.mu.Unlock()
}

// pending returns the dirty namespaces, and stops the retry goroutine
// (returning nil) when there are none.
func (d *dirtySet) pending() map[string]dirtyNS {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.ns) == 0 {
		d.retrying = false
		return nil
	}
	out := make(map[string]dirtyNS, len(d.ns))
	for ns, g := range d.ns {
		out[ns] = g
	}
	return out
}

// retryInvalidations bumps the dirty namespaces until none is left, backing
// off from 50ms to 1s, or until the cache is closed.
func (c *Cache) retryInvalidations() {
	defer c.dirty.retries.Done()
	wait := retryFirst
	for {
		select {
		case <-c.closed:
			c.dirty.mu.Lock()
			c.dirty.retrying = false
			c.dirty.mu.Unlock()
			return
		case <-time.After(wait):
		}
		before := c.dirty.pending()
		if before == nil {
			return
		}
		namespaces, labels, keys, ttls := c.dirtyKeys(before)
		ctx := context.Background()
		err := c.bump(ctx, c.store, namespaces, keys, ttls)
		c.emit(ctx, Event{Kind: EventInvalidate, Namespaces: labels, Op: "retry", Err: err})
		if err == nil {
			// Before the namespaces are clean: a read of this process may
			// have learned the old versions since the write's own forget.
			c.forgetTracked(keys)
			c.dirty.clean(before)
			c.logger.InfoContext(ctx, "cachegen: lost invalidation delivered", "namespaces", namespaces)
			wait = retryFirst
			continue
		}
		// On a cluster, the masters that answered took their part.
		if lost := lostParts(err, keys); len(lost) < len(keys) {
			c.forgetTracked(keys)
			c.dirty.clean(delivered(before, namespaces, lost))
		}
		wait = min(2*wait, retryMax)
	}
}

// dirtyKeys returns the namespaces of a pending set, sorted, their labels
// (without repeats), their version keys and the keys' TTLs.
func (c *Cache) dirtyKeys(pending map[string]dirtyNS) (namespaces, labels, keys []string, ttls []time.Duration) {
	namespaces = make([]string, 0, len(pending))
	for ns := range pending {
		namespaces = append(namespaces, ns)
	}
	slices.Sort(namespaces)
	keys = make([]string, len(namespaces))
	ttls = make([]time.Duration, len(namespaces))
	for i, ns := range namespaces {
		keys[i], ttls[i] = c.versionKey(ns), pending[ns].ttl
		if l := pending[ns].label; !slices.Contains(labels, l) {
			labels = append(labels, l)
		}
	}
	return namespaces, labels, keys, ttls
}

// lostParts returns the indexes of the keys whose version a bump that
// returned err (not nil) did not change: those a *failedKeys names (the
// masters of a cluster that did not take their part), else all of them.
func lostParts(err error, keys []string) []int {
	var fk *failedKeys
	var lost []int
	if errors.As(err, &fk) {
		for i, k := range keys {
			if slices.Contains(fk.keys, k) {
				lost = append(lost, i)
			}
		}
	}
	if len(lost) == 0 { // nothing named: the whole call failed
		lost = make([]int, len(keys))
		for i := range lost {
			lost[i] = i
		}
	}
	return lost
}

// pick returns the elements of s at the indexes idx; nil for a nil s.
func pick[T any](s []T, idx []int) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(idx))
	for n, i := range idx {
		out[n] = s[i]
	}
	return out
}

// delivered returns the part of a pending set whose namespaces are not at
// the indexes lost.
func delivered(pending map[string]dirtyNS, namespaces []string, lost []int) map[string]dirtyNS {
	out := make(map[string]dirtyNS, len(pending))
	for ns, d := range pending {
		out[ns] = d
	}
	for _, i := range lost {
		delete(out, namespaces[i])
	}
	return out
}
