package cache

import (
	"context"
	"testing"
	"time"
)

// TestOlderStoreDoesNotReplaceNewerEntry: a miss's entry is stored after
// the miss returns. The store of an older result (before a write), held up,
// must not land after the store of the newer one (after the write) and
// replace it: the newer entry would be lost, and the next read would miss.
func TestOlderStoreDoesNotReplaceNewerEntry(t *testing.T) {
	store := &gatedStore{Store: NewMemoryStore()}
	c := New(store, WithPrefix(testPrefix(t)), WithStoreTimeout(5*time.Second), WithLogger(quiet))
	t.Cleanup(func() { c.Close() })
	get := c.Method("BookRepository.GetBook", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()

	release := store.sets.close()
	defer release()
	if b, err := getBook(ctx, get, r, 1); err != nil || b.Title != "v1" {
		t.Fatalf("first read: %+v, %v", b, err)
	}
	waitFor(t, "the store of v1 held", func() bool { return store.sets.waiting.Load() == 1 })
	if err := c.Invalidate(ctx, "books"); err != nil {
		t.Fatal(err)
	}
	title := "v2"
	r.title.Store(&title)
	store.sets.letThrough() // v2's store may go; v1's stays held
	if b, err := getBook(ctx, get, r, 1); err != nil || b.Title != "v2" {
		t.Fatalf("read after the write: %+v, %v", b, err)
	}
	// Without ordering, v2's entry is stored now; with it, v2's store waits
	// for v1's.
	waitUntil(300*time.Millisecond, func() bool { return store.setCalls.Load() == 1 })
	release()
	settle(t, c)

	title3 := "v3"
	r.title.Store(&title3)
	rctx, rec := Record(ctx)
	b, err := getBook(rctx, get, r, 1)
	if err != nil || b.Title != "v2" || rec.Status() != StatusHit {
		t.Fatalf("read after both stores: %q, %v, %v; want the hit v2 (the older store replaced the newer entry)", b.Title, err, rec.Status())
	}
	if n := r.loads.Load(); n != 2 {
		t.Fatalf("%d loads, want 2", n)
	}
}
