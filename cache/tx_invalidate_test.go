package cache

import (
	"context"
	"testing"
	"time"
)

// TestTxCommitRepeatsManualInvalidations: Cache.Invalidate and
// Cache.InvalidateMember, the manual counterparts of //cache:invalidate,
// called with a context of BeginTx inside the transaction, are delivered
// again by Tx.Commit, as the generated writes' are: a read elsewhere during
// the transaction stored the data from before it under the new versions.
func TestTxCommitRepeatsManualInvalidations(t *testing.T) {
	for _, tc := range []struct {
		name       string
		namespace  string
		invalidate func(ctx context.Context, c *Cache) error
	}{
		{"Invalidate", "books", func(ctx context.Context, c *Cache) error { return c.Invalidate(ctx, "books") }},
		{"InvalidateMember", "book:{id}", func(ctx context.Context, c *Cache) error { return c.InvalidateMember(ctx, "book", 1) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			store := NewMemoryStore()
			prefix := testPrefix(t)
			writer := New(store, WithPrefix(prefix))
			other := New(store, WithPrefix(prefix))
			get := other.Method("R.Get", time.Minute, tc.namespace)
			committed := newRepo("v1") // what other connections see
			bg := context.Background()

			ctx, tx := BeginTx(bg)
			// The write, in the database transaction, then its invalidation.
			if err := tc.invalidate(ctx, writer); err != nil {
				t.Fatal(err)
			}
			// Another process reads before the database commit: the data
			// from before the transaction, stored under the new versions.
			if b, _ := getBook(bg, get, committed, 1); b.Title != "v1" {
				t.Fatalf("%q", b.Title)
			}
			settle(t, other)
			// The database commit, then the cache's.
			v2 := "v2"
			committed.title.Store(&v2)
			if err := tx.Commit(bg); err != nil {
				t.Fatal(err)
			}
			if b, _ := getBook(bg, get, committed, 1); b.Title != "v2" {
				t.Fatalf("a read after Tx.Commit returned %q, from before the transaction", b.Title)
			}
		})
	}
}
