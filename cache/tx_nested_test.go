package cache

import (
	"context"
	"testing"
	"time"
)

// TestNestedBeginTxJoinsTheOuterTx: a helper that calls BeginTx on the
// context of an open Tx, writes through a transaction-scoped repository
// and commits its Tx while the database transaction is still open, as
// nested transaction helpers do, joins the outer Tx: its Commit delivers
// nothing yet, reads with its context still bypass the cache, and the
// outer Commit, after the database commit, delivers the inner writes.
// Before, the inner Tx hid the outer one: the inner Commit invalidated
// before the database commit, the outer Commit had nothing to deliver, and
// both processes served the data from before the transaction.
func TestNestedBeginTxJoinsTheOuterTx(t *testing.T) {
	store := NewMemoryStore()
	prefix := testPrefix(t)
	writer := New(store, WithPrefix(prefix))
	other := New(store, WithPrefix(prefix)) // another process
	save := writer.Method("R.Save", 0, "books").InTx()
	gets := map[string]*Method{
		"writer": writer.Method("R.Get", time.Minute, "books"),
		"other":  other.Method("R.Get", time.Minute, "books"),
	}
	committed := newRepo("v1") // what other connections see
	bg := context.Background()
	for _, get := range gets {
		getBook(bg, get, committed, 1)
	}
	settle(t, writer)
	settle(t, other)

	octx, outer := BeginTx(bg)
	// The helper: its own BeginTx, the write in the database transaction,
	// its Commit before the database commit.
	ictx, inner := BeginTx(octx)
	if err := save.Invalidate(ictx); err != nil {
		t.Fatal(err)
	}
	if err := inner.Commit(ictx); err != nil {
		t.Fatalf("inner Commit: %v", err)
	}
	if err := inner.Commit(ictx); err != ErrTxDone {
		t.Fatalf("second inner Commit: %v, want ErrTxDone", err)
	}
	// The database transaction is still open: reads with its context
	// bypass the cache.
	rctx, rec := Record(ictx)
	getBook(rctx, gets["writer"], committed, 1)
	if rec.Status() != StatusBypass {
		t.Errorf("a read with the inner context after the inner Commit: %v, want bypass while the outer Tx is open", rec.Status())
	}
	// Another process reads meanwhile: the data from before the
	// transaction, stored under the new versions.
	if b, _ := getBook(bg, gets["other"], committed, 1); b.Title != "v1" {
		t.Fatalf("%q", b.Title)
	}
	settle(t, other)
	// The database commit, then the outer Tx's.
	v2 := "v2"
	committed.title.Store(&v2)
	if err := outer.Commit(bg); err != nil {
		t.Fatal(err)
	}
	for name, get := range gets {
		if b, _ := getBook(bg, get, committed, 1); b.Title != "v2" {
			t.Errorf("%s: a read after the outer Commit returned %q, from before the transaction", name, b.Title)
		}
	}
}

// TestNestedRollbackLeavesTheOuterTxOpen: a joined Tx's Rollback ends
// nothing: the outer Tx still delivers the inner write at its Commit.
func TestNestedRollbackLeavesTheOuterTxOpen(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)))
	save := c.Method("R.Save", 0, "books").InTx()
	get := c.Method("R.Get", time.Minute, "books")
	committed := newRepo("v1")
	bg := context.Background()

	octx, outer := BeginTx(bg)
	ictx, inner := BeginTx(octx)
	if err := save.Invalidate(ictx); err != nil {
		t.Fatal(err)
	}
	inner.Rollback()
	getBook(bg, get, committed, 1) // from before the transaction
	settle(t, c)
	rctx, rec := Record(octx)
	getBook(rctx, get, committed, 1)
	if rec.Status() != StatusBypass {
		t.Fatalf("a read with the outer context after the inner Rollback: %v, want bypass", rec.Status())
	}
	v2 := "v2"
	committed.title.Store(&v2)
	if err := outer.Commit(bg); err != nil {
		t.Fatal(err)
	}
	if b, _ := getBook(bg, get, committed, 1); b.Title != "v2" {
		t.Fatalf("a read after the outer Commit returned %q", b.Title)
	}
}
