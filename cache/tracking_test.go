package cache

import (
	"context"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// trackedPair returns a tracked near cache (the reading process) and a
// plain cache (another, writing process) over one redis-server started for
// the test, with the main client of the first.
func trackedPair(t *testing.T) (reader, writer *Cache, client *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	prefix := testPrefix(t)
	client = redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { client.Close() })
	reader = New(NewRedisStore(client), WithPrefix(prefix), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet))
	t.Cleanup(func() { reader.Close() })
	other := redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { other.Close() })
	writer = New(NewRedisStore(other), WithPrefix(prefix), WithLogger(quiet))
	waitTracking(t, reader)
	return reader, writer, client
}

func waitTracking(t *testing.T, c *Cache) {
	t.Helper()
	for start := time.Now(); !c.NearStats().Tracking; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			t.Fatal("the tracking did not start within 5s")
		}
	}
}

func TestTrackedHitMakesNoRoundTrip(t *testing.T) {
	reader, _, client := trackedPair(t)
	h := &tripCounter{}
	client.AddHook(h)
	m := reader.Method("BookRepository.GetBook", time.Minute, "books", "authors").Copy(copyBook)
	r := newRepo("Dune")
	ctx := context.Background()
	getBook(ctx, m, r, 1) // miss: read, fill
	getBook(ctx, m, r, 1) // near hit: the versions are read on a tracking connection
	h.trips.Store(0)
	for range 100 {
		if b, err := getBook(ctx, m, r, 1); err != nil || b.Title != "Dune" {
			t.Fatalf("%+v, %v", b, err)
		}
	}
	if n := h.trips.Load(); n != 0 {
		t.Fatalf("100 tracked hits made %d round trips, want 0", n)
	}
	if r.loads.Load() != 1 || reader.NearStats().Hits != 101 {
		t.Fatalf("%d loads, %d near hits; want 1 and 101", r.loads.Load(), reader.NearStats().Hits)
	}
}

// TestTrackedInvalidationDelay measures how long a write of another
// process takes to reach a tracked near cache: from the write's return to
// the first read that returns the new data.
func TestTrackedInvalidationDelay(t *testing.T) {
	reader, writer, _ := trackedPair(t)
	m := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("v0")
	ctx := context.Background()
	var delays []time.Duration
	for i := range 200 {
		want := "v" + strconv.Itoa(i+1)
		getBook(ctx, m, r, 1)
		getBook(ctx, m, r, 1) // tracked from here on
		r.title.Store(&want)
		if err := writer.Invalidate(ctx, "books"); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		for {
			b, _ := getBook(ctx, m, r, 1)
			if b.Title == want {
				break
			}
			if time.Since(start) > time.Second {
				t.Fatalf("write %d: still %q after 1s", i, b.Title)
			}
		}
		delays = append(delays, time.Since(start))
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	t.Logf("another process's write reached the tracked near cache after p50 %v, p99 %v, max %v (200 writes)",
		delays[len(delays)/2], delays[len(delays)*99/100], delays[len(delays)-1])
}

// TestTrackedWriterReadsItsOwnWrite: the writing process never waits for
// Redis's invalidation.
func TestTrackedWriterReadsItsOwnWrite(t *testing.T) {
	reader, _, _ := trackedPair(t)
	get := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	update := reader.Method("BookRepository.UpdateBook", 0, "books")
	r := newRepo("v0")
	ctx := context.Background()
	for i := range 200 {
		getBook(ctx, get, r, 1)
		getBook(ctx, get, r, 1)
		want := "v" + strconv.Itoa(i+1)
		r.title.Store(&want)
		if err := update.Invalidate(ctx); err != nil {
			t.Fatal(err)
		}
		if b, _ := getBook(ctx, get, r, 1); b.Title != want {
			t.Fatalf("write %d: the writing process read %q after its write returned", i, b.Title)
		}
	}
}

// TestTrackingLostAndBack: when the subscriber's connection is killed, the
// tracker forgets every version (hits read them from Redis again) and
// starts again.
func TestTrackingLostAndBack(t *testing.T) {
	reader, writer, client := trackedPair(t)
	m := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	getBook(ctx, m, r, 1)
	if err := client.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	for start := time.Now(); reader.NearStats().TrackingResets == 0; time.Sleep(5 * time.Millisecond) {
		if time.Since(start) > 2*time.Second {
			t.Fatal("the tracker did not notice its subscriber was killed")
		}
	}
	// Meanwhile, a write elsewhere: the reader must see it, tracking or not.
	v2 := "v2"
	r.title.Store(&v2)
	writer.Invalidate(ctx, "books")
	if b, _ := getBook(ctx, m, r, 1); b.Title != "v2" {
		t.Fatalf("after the tracking was lost and a write: %q", b.Title)
	}
	waitTracking(t, reader)
	v3 := "v3"
	r.title.Store(&v3)
	getBook(ctx, m, r, 1)
	writer.Invalidate(ctx, "books")
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		if b, _ := getBook(ctx, m, r, 1); b.Title == "v3" {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatal("after the tracking came back, a write did not reach the near cache")
		}
	}
}

// TestTrackedStaleReads runs the stale-read harness over two tracked
// processes and reports the rate of reads that returned data from before a
// write that had returned: the price of hits without a round trip. Reads of
// the writing process are never stale.
func TestTrackedStaleReads(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	srv := redistest.Start(t)
	prefix := testPrefix(t)
	db := &slowDB{}
	var procs [2]*versioned
	var caches [2]*Cache
	for i := range procs {
		client := redis.NewClient(RedisOptions(srv.Addr()))
		t.Cleanup(func() { client.Close() })
		caches[i] = New(NewRedisStore(client), WithPrefix(prefix), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet), WithStoreTimeout(2*time.Second))
		t.Cleanup(func() { caches[i].Close() })
		procs[i] = &versioned{db: db, get: caches[i].Method("DB.Get", time.Minute, "db").Copy(func(v int64) int64 { return v }),
			update: caches[i].Method("DB.Write", 0, "db")}
		waitTracking(t, caches[i])
	}
	// Writes go through the first process; reads alternate.
	stale, reads := staleReads(t, &twoProcesses{procs: procs}, 700*time.Millisecond)
	t.Logf("tracked near cache, reads alternating between the writing process and another: %d stale of %d reads (%.3f%%), %d near hits",
		stale, reads, 100*float64(stale)/float64(max(reads, 1)), caches[0].NearStats().Hits+caches[1].NearStats().Hits)
	// The writing process alone.
	stale, reads = staleReads(t, procs[0], 500*time.Millisecond)
	if stale != 0 {
		t.Fatalf("the writing process read %d of %d stale: it must read its own writes", stale, reads)
	}
}

// TestTrackedWithoutStoreTimeout: WithStoreTimeout(0) leaves version reads
// on the tracking connections bounded by the caller's deadline only (they
// used to expire at once, and every near hit read its versions from the
// store).
func TestTrackedWithoutStoreTimeout(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { client.Close() })
	reader := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet), WithStoreTimeout(0))
	t.Cleanup(func() { reader.Close() })
	waitTracking(t, reader)
	h := &tripCounter{}
	client.AddHook(h)
	m := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("Dune")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, reader)
	getBook(ctx, m, r, 1)
	h.trips.Store(0)
	for range 10 {
		getBook(ctx, m, r, 1)
	}
	if n := h.trips.Load(); n != 0 {
		t.Fatalf("10 tracked hits made %d round trips, want 0", n)
	}
}
