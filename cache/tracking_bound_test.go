package cache

import (
	"context"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestTrackedHitsRespectMaxStale: while the tracker hears nothing from
// Redis (its subscriber's replies are held, as in a process too starved
// to read them), a read that starts MaxStale after another process's write
// returned reads the write. Before, the tracked near cache served the old
// value until the version was a second old.
func TestTrackedHitsRespectMaxStale(t *testing.T) {
	const bound = 50 * time.Millisecond
	srv := redistest.Start(t)
	var hold gate
	client := holdSubClient(t, srv.Addr(), &hold)
	prefix := testPrefix(t)
	reader := New(NewRedisStore(client), WithPrefix(prefix), WithNearCache(NearCache{Tracked: true, MaxStale: bound}), WithLogger(quiet))
	t.Cleanup(func() { reader.Close() })
	other := redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { other.Close() })
	writer := New(NewRedisStore(other), WithPrefix(prefix), WithLogger(quiet))
	t.Cleanup(func() { writer.Close() })
	waitTracking(t, reader)

	m := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("v1")
	ctx := context.Background()
	tracked := func() bool {
		return reader.tracker.current([]string{reader.versionKey("books")}, []string{tokenOf(t, reader, "books")})
	}
	getBook(ctx, m, r, 1)
	settle(t, reader)
	getBook(ctx, m, r, 1) // the versions are known from here on
	waitFor(t, "a tracked hit", tracked)

	release := hold.close() // Redis's invalidations and PING replies are held from now on
	defer release()
	v2 := "v2"
	r.title.Store(&v2)
	if err := writer.Invalidate(ctx, "books"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(bound) // the bound under test, not a synchronization
	if b, _ := getBook(ctx, m, r, 1); b.Title != "v2" {
		t.Fatalf("a read that started %v after another process's write returned, the tracker hearing nothing: %q, want v2", bound, b.Title)
	}
	if reader.NearStats().TrackedUnconfirmed == 0 {
		t.Fatal("no tracked hit counted as unconfirmed")
	}

	// Once the tracker hears from Redis again, hits make no round trip.
	release()
	hold.letThrough()
	waitFor(t, "tracked hits again once the replies are let through", func() bool {
		getBook(ctx, m, r, 1)
		return tracked()
	})
}

// tokenOf returns the current version token of namespace ns, read from
// c's store.
func tokenOf(t *testing.T, c *Cache, ns string) string {
	t.Helper()
	vals, err := c.direct.Get(context.Background(), []string{c.versionKey(ns)})
	if err != nil || len(vals) != 1 || vals[0] == nil {
		t.Fatalf("version of %s: %v %v", ns, vals, err)
	}
	return string(vals[0])
}
