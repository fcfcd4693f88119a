package cache

import (
	"context"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestTrackedConnectionClosedByRedis: Redis closes idle clients after its
// `timeout`, tracking connections included (only pub/sub clients are
// spared), and with them the tracking of the keys they read. The tracker,
// whose hits make no round trip, must not keep serving versions Redis no
// longer tells it about: another process's write must reach it within a
// bounded delay.
func TestTrackedConnectionClosedByRedis(t *testing.T) {
	reader, writer, client := trackedPair(t)
	ctx := context.Background()
	if err := client.ConfigSet(ctx, "timeout", "1").Err(); err != nil {
		t.Fatal(err)
	}
	m := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("v1")
	getBook(ctx, m, r, 1)
	settle(t, reader)
	getBook(ctx, m, r, 1) // tracked from here on
	// Near hits without a round trip while Redis closes the idle tracking
	// connections.
	for start := time.Now(); time.Since(start) < 3*time.Second; time.Sleep(10 * time.Millisecond) {
		if b, _ := getBook(ctx, m, r, 1); b.Title != "v1" {
			t.Fatalf("%q", b.Title)
		}
	}
	v2 := "v2"
	r.title.Store(&v2)
	if err := writer.Invalidate(ctx, "books"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		if b, _ := getBook(ctx, m, r, 1); b.Title == "v2" {
			t.Logf("the write reached the reader after %v", time.Since(start))
			return
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("3s after another process's write, the tracked reader still serves the data from before it")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestTrackedHitWithoutAStoreTimeout: WithStoreTimeout(0) leaves only the
// caller's deadline; the tracker's version reads must not get a deadline
// that has already passed (every read failed, and no hit was tracked).
func TestTrackedHitWithoutAStoreTimeout(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { client.Close() })
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet), WithStoreTimeout(0))
	t.Cleanup(func() { c.Close() })
	waitTracking(t, c)
	h := &tripCounter{}
	client.AddHook(h)
	m := c.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("Dune")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, c)
	getBook(ctx, m, r, 1)
	h.trips.Store(0)
	for range 10 {
		getBook(ctx, m, r, 1)
	}
	if n := h.trips.Load(); n != 0 {
		t.Fatalf("10 tracked hits made %d round trips, want 0", n)
	}
}
