package cache

import (
	"context"
	"testing"
	"time"
)

// TestNearValueExpiresWithItsEntry: guarantee 13, an entry never lives
// longer than its declared TTL, bounds what a lost invalidation or a
// write outside the annotated methods costs; the near cache keeps every
// guarantee. A near value, whether this process loaded it or read it from
// Redis, must not be served after its entry's TTL.
func TestNearValueExpiresWithItsEntry(t *testing.T) {
	for _, tc := range []struct {
		name   string
		loaded bool // the reading process loaded the value; else another did
	}{{"loaded", true}, {"read from Redis", false}} {
		t.Run(tc.name, func(t *testing.T) {
			store := NewMemoryStore()
			prefix := testPrefix(t)
			const ttl = 100 * time.Millisecond
			reader := New(store, WithPrefix(prefix), WithNearCache(NearCache{}))
			loader := reader
			if !tc.loaded {
				loader = New(store, WithPrefix(prefix))
			}
			get := reader.Method("R.Get", ttl, "books").Copy(copyBook)
			load := loader.Method("R.Get", ttl, "books")
			r := newRepo("v1")
			ctx := context.Background()
			getBook(ctx, load, r, 1)
			settle(t, loader)
			if b, _ := getBook(ctx, get, r, 1); b.Title != "v1" {
				t.Fatalf("%q", b.Title)
			}
			if b, _ := getBook(ctx, get, r, 1); b.Title != "v1" || reader.NearStats().Hits == 0 {
				t.Fatalf("%q, %d near hits: the test proves nothing", b.Title, reader.NearStats().Hits)
			}
			// The data changes without an invalidation (a write whose
			// invalidation was lost); the entry expires.
			v2 := "v2"
			r.title.Store(&v2)
			time.Sleep(2 * ttl)
			if b, _ := getBook(ctx, get, r, 1); b.Title != "v2" {
				t.Fatalf("%v after the entry's TTL of %v, the near cache served %q", 2*ttl, ttl, b.Title)
			}
		})
	}
}
