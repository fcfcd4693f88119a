package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Tx gathers the invalidations of the writes made in one database
// transaction, to deliver them again once it has committed. A write in a
// transaction invalidates when it returns, as any write does, but the
// transaction's data is not visible to other connections yet: a read made
// meanwhile on another connection loads the data from before the write and
// may store it under the new versions. Tx.Commit, called after the
// database commit, invalidates the same namespaces again, so that no read
// starting after it returns data from before the transaction.
//
// Reads made with a context that carries an open Tx bypass the cache: they
// may see the transaction's uncommitted writes, which must not be served to
// anyone else.
//
//	ctx, ctxTx := cache.BeginTx(ctx)
//	tx, err := db.BeginTx(ctx, nil)
//	...
//	repo := store.WithTx(tx) // a generated wrapper's transaction-scoped repository
//	if err := repo.UpdateBook(ctx, b); err != nil { ... }
//	if err := tx.Commit(); err != nil { ... }
//	if err := ctxTx.Commit(ctx); err != nil { ... } // the invalidations, again
//
// A BeginTx on a context that carries an open Tx joins that Tx, as nested
// transaction helpers expect (a helper that begins and commits "its"
// transaction inside a caller's): the writes made with either context are
// the outer Tx's, the joined Tx's Commit and Rollback do nothing to it, and
// the outer Tx's Commit, after the database commit, delivers them all.
//
// A Tx is safe for concurrent use.
type Tx struct {
	mu     sync.Mutex
	done   bool
	writes map[*Cache]map[string]txWrite // by namespace
	order  []*Cache
	joined *Tx // the open Tx this one joined (see BeginTx); nil for an outer Tx
}

// txWrite is how a namespace a transaction invalidated is invalidated
// again.
type txWrite struct {
	ttl   time.Duration // of its version key
	label string        // for events (see Cache.invalidate)
}

type txKey struct{}

// BeginTx returns a context carrying a new [Tx], and the Tx. Pass the
// context to the calls made in the database transaction; call Tx.Commit
// after the database commit.
//
// When ctx already carries an open Tx, BeginTx joins it: it returns ctx and
// a Tx whose Commit and Rollback end only itself (Commit returns nil, and
// [ErrTxDone] when called again) while the outer Tx keeps recording the
// writes and delivers them at its own Commit. Reads with ctx bypass the
// cache until the outer Tx ends.
func BeginTx(ctx context.Context) (context.Context, *Tx) {
	if outer := txFrom(ctx); outer != nil {
		return ctx, &Tx{joined: outer}
	}
	t := &Tx{writes: map[*Cache]map[string]txWrite{}}
	return context.WithValue(ctx, txKey{}, t), t
}

// txFrom returns the open Tx ctx carries, or nil.
func txFrom(ctx context.Context) *Tx {
	t, _ := ctx.Value(txKey{}).(*Tx)
	if t == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil
	}
	return t
}

// add records the invalidation of namespaces of c, with their labels and
// the TTLs of their version keys (ttls may be nil). A write that ends after
// Commit or Rollback began (a misuse) is not recorded, so that Commit can
// read the writes without the lock; the write's own invalidation has run.
func (t *Tx) add(c *Cache, namespaces, labels []string, ttls []time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return
	}
	w := t.writes[c]
	if w == nil {
		w = map[string]txWrite{}
		t.writes[c] = w
		t.order = append(t.order, c)
	}
	for i, ns := range namespaces {
		w[ns] = txWrite{ttl: ttlAt(ttls, i), label: labels[i]}
	}
}

// ErrTxDone is returned by a second call of [Tx.Commit].
var ErrTxDone = errors.New("cache: transaction already committed")

// Commit invalidates, again, every namespace that the transaction's writes
// invalidated, in one round trip per Cache. Call it after the database
// transaction has committed; after it returns, no read that starts returns
// data from before the transaction. Like [Cache.Invalidate], it invalidates
// even when ctx has been cancelled, and a failure leaves the namespaces
// dirty in this process and retried in the background. After Commit, reads
// with the Tx's context use the cache again.
//
// The Commit of a Tx that joined an open one (see [BeginTx]) invalidates
// nothing: the writes wait for the outer Tx's Commit.
func (t *Tx) Commit(ctx context.Context) error {
	t.mu.Lock()
	if t.done {
		t.mu.Unlock()
		return ErrTxDone
	}
	t.done = true
	writes, order := t.writes, t.order
	t.mu.Unlock()
	if t.joined != nil {
		return nil
	}
	var errs []error
	for _, c := range order {
		names := make([]string, 0, len(writes[c]))
		for ns := range writes[c] {
			names = append(names, ns)
		}
		slices.Sort(names)
		keys := make([]string, len(names))
		labels := make([]string, len(names))
		ttls := make([]time.Duration, len(names))
		for i, ns := range names {
			keys[i], labels[i], ttls[i] = c.versionKey(ns), writes[c][ns].label, writes[c][ns].ttl
		}
		if err := c.invalidate(ctx, "Tx.Commit", names, labels, keys, ttls); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("cache: transaction commit: %w", errors.Join(errs...))
	}
	return nil
}

// Rollback ends the Tx without invalidating anything more: the writes'
// own invalidations already ran, and nothing was committed. Reads with the
// Tx's context use the cache again. The Rollback of a Tx that joined an open
// one (see [BeginTx]) leaves the outer Tx open: its Commit or Rollback
// decides.
func (t *Tx) Rollback() {
	t.mu.Lock()
	t.done = true
	t.mu.Unlock()
}
