package cache

import (
	"context"
	"errors"
	"testing"
	"time"
)

// The cheaper miss: the caller waits for its read and the load, not for the
// store of the entry, and a read of this process right after does not load
// again.

func TestMissReturnsBeforeItsEntryIsStored(t *testing.T) {
	gs := &gatedStore{Store: NewMemoryStore()}
	prefix := testPrefix(t)
	var log eventLog
	c := New(gs, WithPrefix(prefix), WithObserver(log.observe), WithStoreTimeout(10*time.Second))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()
	entryKey := prefix + ":{books}:R.Get:1"
	stored := func() bool {
		vals, err := gs.Store.Get(ctx, []string{entryKey})
		return err == nil && vals[0] != nil
	}

	releaseSet := gs.sets.close()
	defer releaseSet()
	var b book
	var err error
	missDone := async(func() { b, err = getBook(ctx, m, r, 1) })
	waitFor(t, "the miss returns while the store of its entry is held", func() bool { return returned(missDone) })
	if err != nil || b.Title != "v1" {
		t.Fatalf("miss: %+v, %v", b, err)
	}
	waitFor(t, "the store of the entry is held", func() bool { return gs.sets.waiting.Load() == 1 })
	if stored() {
		t.Fatal("the entry is stored: the test proves nothing")
	}

	// Right after, while the entry is being stored: the flight's result.
	rctx, rec := Record(ctx)
	if b, err := getBook(rctx, m, r, 1); err != nil || b.Title != "v1" || rec.Status() != StatusHit {
		t.Fatalf("read while the entry is stored: %+v, %v, %v; want a hit", b, err, rec.Status())
	}

	// A read of the store that came before the entry, reaching the flight
	// group once the flight has gone: the memo's result.
	releaseGet := gs.gets.close()
	defer releaseGet()
	var late book
	var lateStatus Status
	lateDone := async(func() {
		rctx, rec := Record(ctx)
		late, _ = getBook(rctx, m, r, 1)
		lateStatus = rec.Status()
	})
	waitFor(t, "the late read has read the store", func() bool { return gs.gets.waiting.Load() == 1 })
	gs.gets.letThrough()
	releaseSet()
	settle(t, c)
	if !stored() {
		t.Fatal("the entry was not stored")
	}
	releaseGet()
	<-lateDone
	if late.Title != "v1" || lateStatus != StatusHit {
		t.Fatalf("read that missed before the store: %+v, %v; want a hit", late, lateStatus)
	}
	if n := r.loads.Load(); n != 1 {
		t.Fatalf("%d loads, want 1", n)
	}

	// A read that starts after the store and misses (the entry expired,
	// was evicted or deleted) loads again: the memo does not stand in for
	// the store.
	if err := gs.Store.Delete(ctx, []string{entryKey}); err != nil {
		t.Fatal(err)
	}
	getBook(ctx, m, r, 1)
	if n := r.loads.Load(); n != 2 {
		t.Fatalf("%d loads after the entry was deleted, want 2", n)
	}
	if log.n(EventError) != 0 {
		t.Fatalf("%d faults", log.n(EventError))
	}
}

// TestMissRightAfterAWriteLoads: what a flight delivered is only shared
// under the versions it was loaded under; a write in between changes them.
func TestMissRightAfterAWriteLoads(t *testing.T) {
	gs := &gatedStore{Store: NewMemoryStore()}
	c := New(gs, WithPrefix(testPrefix(t)), WithStoreTimeout(10*time.Second))
	get, write := c.Method("R.Get", time.Minute, "books"), c.Method("R.Write", 0, "books")
	r := newRepo("v1")
	ctx := context.Background()
	release := gs.sets.close()
	defer release()
	getBook(ctx, get, r, 1) // its entry is not stored yet
	v2 := "v2"
	r.title.Store(&v2)
	if err := write.Invalidate(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _ := getBook(ctx, get, r, 1); b.Title != "v2" || r.loads.Load() != 2 {
		t.Fatalf("after the write: %q with %d loads, want v2 and 2", b.Title, r.loads.Load())
	}
	release()
	settle(t, c)
	if b, _ := getBook(ctx, get, r, 1); b.Title != "v2" {
		t.Fatalf("after the stores: %q, want v2 (the entry of v1 was stored late, under the old version)", b.Title)
	}
}

func TestNotFoundRightAfterAMiss(t *testing.T) {
	errNotFound := errors.New("not found")
	gs := &gatedStore{Store: NewMemoryStore()}
	c := New(gs, WithPrefix(testPrefix(t)), WithStoreTimeout(10*time.Second))
	m := c.Method("R.Get", time.Minute, "books").NotFound(0, errNotFound)
	loads := 0
	load := func(context.Context) (book, error) { loads++; return book{}, errNotFound }
	ctx := context.Background()
	release := gs.sets.close()
	defer release()
	if _, err := Fetch(ctx, m, m.Key(), load); !errors.Is(err, errNotFound) {
		t.Fatalf("miss: %v", err)
	}
	rctx, rec := Record(ctx)
	if _, err := Fetch(rctx, m, m.Key(), load); err != errNotFound || rec.Status() != StatusHit || loads != 1 {
		t.Fatalf("right after: %v, %v, %d loads; want the error itself, a hit, 1 load", err, rec.Status(), loads)
	}
	release()
	settle(t, c)
	rctx, rec = Record(ctx)
	if _, err := Fetch(rctx, m, m.Key(), load); err != errNotFound || rec.Status() != StatusHit || loads != 1 {
		t.Fatalf("from the store: %v, %v, %d loads; want the error itself, a hit, 1 load", err, rec.Status(), loads)
	}
}

// TestCloseWaitsForStores: a program that exits after Close keeps the
// entries of the misses it returned.
func TestCloseWaitsForStores(t *testing.T) {
	gs := &gatedStore{Store: NewMemoryStore()}
	c := New(gs, WithPrefix(testPrefix(t)), WithStoreTimeout(5*time.Second))
	m := c.Method("R.Get", time.Minute, "books")
	release := gs.sets.close()
	getBook(context.Background(), m, newRepo("v1"), 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		release()
	}()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if n := gs.setCalls.Load(); n != 1 {
		t.Fatalf("Close returned with %d entries stored, want 1", n)
	}
}
