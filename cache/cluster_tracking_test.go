package cache

import (
	"context"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// trackedCluster returns, over a 3-master cluster of the test's own, a
// tracked near cache (the reading process, over tc.client) and a plain
// cache with a cluster client of its own (another, writing process).
func trackedCluster(t *testing.T) (tc *testCluster, reader, writer *Cache) {
	t.Helper()
	tc = startCluster(t)
	prefix := testPrefix(t)
	reader = New(NewRedisStore(tc.client), WithPrefix(prefix), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet))
	t.Cleanup(func() { reader.Close() })
	other := redis.NewClusterClient(RedisClusterOptions(tc.addrs...))
	t.Cleanup(func() { other.Close() })
	writer = New(NewRedisStore(other), WithPrefix(prefix), WithLogger(quiet))
	waitUnits(t, reader, len(tc.addrs))
	return tc, reader, writer
}

// waitUnits waits until the tracking runs on n masters; poke, when not
// nil, is called meanwhile (a master whose tracking was lost gets it back
// at its next version read).
func waitUnits(t *testing.T, c *Cache, n int, poke ...func()) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		for _, p := range poke {
			p()
		}
		c.tracker.mu.Lock()
		up := len(c.tracker.units)
		c.tracker.mu.Unlock()
		if up == n && c.NearStats().Tracking {
			return
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("the tracking did not start on %d masters within 5s (%d units)", n, up)
		}
	}
}

// namespaceOn returns a namespace named prefix<i> whose master is (or,
// with other, is not) addr.
func namespaceOn(t *testing.T, tc *testCluster, prefix, addr string, other bool) string {
	t.Helper()
	for i := range 1000 {
		ns := prefix + strconv.Itoa(i)
		if (tc.nodeOf(t, ns) == addr) != other {
			return ns
		}
	}
	t.Fatalf("no namespace %s<i> on the wanted master", prefix)
	return ""
}

// memberOn returns an id whose member of family lives on another master
// than the family.
func memberOn(t *testing.T, tc *testCluster, family string) int64 {
	t.Helper()
	home := tc.nodeOf(t, family)
	for id := int64(1); id < 1000; id++ {
		if tc.nodeOf(t, Member(family, id)) != home {
			return id
		}
	}
	t.Fatal("no member on another master than its family")
	return 0
}

func TestClusterTrackedHitMakesNoRoundTrip(t *testing.T) {
	tc, reader, _ := trackedCluster(t)
	ctx := context.Background()
	id := memberOn(t, tc, "item")
	for _, tt := range []struct {
		name string
		m    *Method
		id   int64
	}{
		{"plain namespace", reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook), 1},
		{"template, family and member on two masters", reader.Method("Items.Get", time.Minute, "item:{id}").Copy(copyBook), id},
		{"two namespaces on two masters", reader.Method("BookRepository.Ranked", time.Minute, "books",
			namespaceOn(t, tc, "ns", tc.nodeOf(t, "books"), true)).Copy(copyBook), 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRepo("Dune")
			getBook(ctx, tt.m, r, tt.id) // miss: read, fill
			settle(t, reader)
			getBook(ctx, tt.m, r, tt.id) // near hit: versions read on the masters' tracking connections
			tc.trips.Store(0)
			reads := reader.tracker.versionReads.Load()
			hits := reader.NearStats().Hits
			for range 100 {
				if b, err := getBook(ctx, tt.m, r, tt.id); err != nil || b.Title != "Dune" {
					t.Fatalf("%+v, %v", b, err)
				}
			}
			if n := tc.trips.Load(); n != 0 {
				t.Fatalf("100 tracked hits made %d round trips to the store, want 0", n)
			}
			if n := reader.tracker.versionReads.Load() - reads; n != 0 {
				t.Fatalf("100 tracked hits read versions %d times on tracking connections, want 0", n)
			}
			if n := reader.NearStats().Hits - hits; r.loads.Load() != 1 || n != 100 {
				t.Fatalf("%d loads, %d near hits; want 1 and 100", r.loads.Load(), n)
			}
		})
	}
}

// TestClusterTrackedWriterReadsItsOwnWrite: the writing process reads its
// write at once, whichever masters hold the namespaces.
func TestClusterTrackedWriterReadsItsOwnWrite(t *testing.T) {
	tc, reader, _ := trackedCluster(t)
	ctx := context.Background()
	id := memberOn(t, tc, "item")
	get := reader.Method("Items.Get", time.Minute, "item:{id}").Copy(copyBook)
	update := reader.Method("Items.Update", 0, "item:{id}")
	r := newRepo("v0")
	for i := range 100 {
		getBook(ctx, get, r, id)
		getBook(ctx, get, r, id)
		want := "v" + strconv.Itoa(i+1)
		r.title.Store(&want)
		k := update.Key()
		k.Member()
		k.Int(id)
		if err := update.InvalidateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if b, _ := getBook(ctx, get, r, id); b.Title != want {
			t.Fatalf("write %d: the writing process read %q after its write returned", i, b.Title)
		}
	}
	if reader.NearStats().Hits < 100 {
		t.Fatalf("%d near hits: the near cache did not serve the reads between writes", reader.NearStats().Hits)
	}
}

// TestClusterTrackedInvalidationDelay measures how long a write of another
// process takes to reach a tracked near cache on the cluster, for a
// namespace on each master.
func TestClusterTrackedInvalidationDelay(t *testing.T) {
	tc, reader, writer := trackedCluster(t)
	ctx := context.Background()
	var namespaces []string
	for _, addr := range tc.addrs {
		namespaces = append(namespaces, namespaceOn(t, tc, "books", addr, false))
	}
	var delays []time.Duration
	for n, ns := range namespaces {
		m := reader.Method("BookRepository.GetBook"+strconv.Itoa(n), time.Minute, ns).Copy(copyBook)
		r := newRepo("v0")
		for i := range 50 {
			want := "v" + strconv.Itoa(i+1)
			getBook(ctx, m, r, 1)
			settle(t, reader)
			getBook(ctx, m, r, 1) // tracked from here on
			r.title.Store(&want)
			if err := writer.Invalidate(ctx, ns); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			for {
				b, _ := getBook(ctx, m, r, 1)
				if b.Title == want {
					break
				}
				if time.Since(start) > 2*time.Second {
					t.Fatalf("%s (on %s), write %d: still %q after 2s", ns, tc.nodeOf(t, ns), i, b.Title)
				}
			}
			delays = append(delays, time.Since(start))
		}
	}
	sort.Slice(delays, func(i, j int) bool { return delays[i] < delays[j] })
	t.Logf("another process's write reached the tracked near cache on the cluster after p50 %v, p99 %v, max %v (%d writes over %d masters)",
		delays[len(delays)/2], delays[len(delays)*99/100], delays[len(delays)-1], len(delays), len(namespaces))
	if st := reader.NearStats(); st.TrackedInvalidation == 0 || st.Hits == 0 {
		t.Fatalf("%+v: no invalidation or no near hit", st)
	}
}

// TestClusterTrackingLostOnOneMaster: when one master's subscriber, or its
// tracking connections, are killed, the tracker forgets every version
// (hits read them from Redis again: a write elsewhere meanwhile is seen)
// and tracks again. A killed subscriber is seen at once; killed tracking
// connections within trackCheck, with no read on them.
func TestClusterTrackingLostOnOneMaster(t *testing.T) {
	for _, kill := range []string{"subscriber", "tracking connections"} {
		t.Run(kill, func(t *testing.T) {
			tc, reader, writer := trackedCluster(t)
			ctx := context.Background()
			// One namespace on the master that loses its tracking, one on another.
			victim := tc.addrs[0]
			lost := namespaceOn(t, tc, "lost", victim, false)
			kept := namespaceOn(t, tc, "kept", victim, true)
			r := newRepo("v1")
			mLost := reader.Method("R.Lost", time.Minute, lost).Copy(copyBook)
			mKept := reader.Method("R.Kept", time.Minute, kept).Copy(copyBook)
			for _, m := range []*Method{mLost, mKept} {
				getBook(ctx, m, r, 1)
				settle(t, reader)
				getBook(ctx, m, r, 1)
			}
			if !reader.tracker.current([]string{reader.versionKey(lost), reader.versionKey(kept)}, tokensOf(t, tc, reader, lost, kept)) {
				t.Fatal("the versions are not tracked before the kill")
			}
			node := redis.NewClient(&redis.Options{Addr: victim})
			defer node.Close()
			resets := reader.NearStats().TrackingResets
			switch kill {
			case "subscriber":
				if err := node.Do(ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
					t.Fatal(err)
				}
				for start := time.Now(); reader.NearStats().TrackingResets == resets; time.Sleep(5 * time.Millisecond) {
					if time.Since(start) > 2*time.Second {
						t.Fatal("the tracker did not notice its subscriber on one master was killed")
					}
				}
			case "tracking connections":
				// Redis tells no one; the unit's check (every trackCheck)
				// finds them gone.
				killTracking(t, node)
				for start := time.Now(); reader.tracker.current([]string{reader.versionKey(kept)}, tokensOf(t, tc, reader, kept)); time.Sleep(5 * time.Millisecond) {
					if time.Since(start) > 2*trackCheck+time.Second {
						t.Fatalf("the tracker did not notice within %v that its tracking connections on one master were killed", 2*trackCheck+time.Second)
					}
				}
			}
			if reader.tracker.current([]string{reader.versionKey(kept)}, tokensOf(t, tc, reader, kept)) {
				t.Fatal("after the tracking was lost on one master, versions of another are still known: want all forgotten")
			}
			// Writes elsewhere: the reader must see them, tracking or not.
			v2 := "v2"
			r.title.Store(&v2)
			if err := writer.Invalidate(ctx, lost, kept); err != nil {
				t.Fatal(err)
			}
			for _, m := range []*Method{mLost, mKept} {
				if b, _ := getBook(ctx, m, r, 1); b.Title != "v2" {
					t.Fatalf("after the tracking was lost and a write: %q", b.Title)
				}
			}
			// The tracking comes back, and writes reach it again.
			waitUnits(t, reader, len(tc.addrs), func() { getBook(ctx, mLost, r, 1) })
			v3 := "v3"
			r.title.Store(&v3)
			for _, m := range []*Method{mLost, mKept} {
				settle(t, reader)
				getBook(ctx, m, r, 1)
				getBook(ctx, m, r, 1)
			}
			if err := writer.Invalidate(ctx, lost, kept); err != nil {
				t.Fatal(err)
			}
			for _, m := range []*Method{mLost, mKept} {
				for start := time.Now(); ; time.Sleep(time.Millisecond) {
					if b, _ := getBook(ctx, m, r, 1); b.Title == "v3" {
						break
					}
					if time.Since(start) > 2*time.Second {
						t.Fatal("after the tracking came back, a write did not reach the near cache")
					}
				}
			}
		})
	}
}

// tokensOf returns the current versions of namespaces, read with the
// cluster client.
func tokensOf(t *testing.T, tc *testCluster, c *Cache, namespaces ...string) []string {
	t.Helper()
	var out []string
	for _, ns := range namespaces {
		v, err := tc.client.Get(context.Background(), c.versionKey(ns)).Result()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

// killTracking kills the connections of node that have tracking on, but
// the subscribers.
func killTracking(t *testing.T, node *redis.Client) {
	t.Helper()
	ctx := context.Background()
	list, err := node.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(strings.TrimSpace(list), "\n") {
		var id string
		tracking := false
		for _, f := range strings.Fields(line) {
			if v, ok := strings.CutPrefix(f, "id="); ok {
				id = v
			}
			if v, ok := strings.CutPrefix(f, "flags="); ok && strings.Contains(v, "t") {
				tracking = true
			}
		}
		if tracking {
			if err := node.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
				t.Fatal(err)
			}
			killed++
		}
	}
	if killed == 0 {
		t.Fatalf("no tracking connection on %s:\n%s", node.Options().Addr, list)
	}
	t.Logf("killed %d tracking connections", killed)
}

// TestClusterTrackedReshard moves the slot of a tracked namespace to
// another master under load: the writing process never reads stale data
// (the version reads on the old master answer MOVED, and go to the store),
// and afterwards another process's write reaches the tracked near cache
// through the new master's unit.
func TestClusterTrackedReshard(t *testing.T) {
	tc, reader, writer := trackedCluster(t)
	var log eventLog
	c := New(NewRedisStore(tc.client), WithPrefix(reader.prefix), WithObserver(log.observe), WithLogger(quiet), WithNearCache(NearCache{Tracked: true}))
	defer c.Close()
	waitUnits(t, c, len(tc.addrs))
	copyInt := func(v int64) int64 { return v }
	db := &versioned{db: &slowDB{delay: 500 * time.Microsecond}, get: c.Method("DB.Get", time.Minute, "db").Copy(copyInt), update: c.Method("DB.Write", 0, "db")}

	load := startLoad(db, 8, 1, 10*time.Millisecond)
	time.Sleep(400 * time.Millisecond)
	before := c.NearStats().Hits
	from := tc.nodeOf(t, "db")
	migrateSlot(t, tc, "{db}")
	time.Sleep(600 * time.Millisecond)
	load.finish()
	st := c.NearStats()
	t.Logf("reads %d, stale %d, near hits %d (%d before the move), tracking resets %d, store errors %d",
		load.reads.Load(), load.stale.Load(), st.Hits, before, st.TrackingResets, log.n(EventError))
	if load.stale.Load() != 0 || load.errs.Load() != 0 {
		t.Fatalf("%d stale reads, %d errors to callers while resharding", load.stale.Load(), load.errs.Load())
	}
	if st.Hits <= before {
		t.Fatal("no near hits after the slot moved")
	}
	if to := tc.nodeOf(t, "db"); to == from {
		t.Fatalf("the slot of {db} is still on %s", from)
	}

	// Another process writes: the tracked reader sees it, from the new master.
	ctx := context.Background()
	other := &versioned{db: db.db, get: writer.Method("DB.Get", time.Minute, "db").Copy(copyInt), update: writer.Method("DB.Write", 0, "db")}
	for i := range 20 {
		db.read(ctx)
		settle(t, c)
		db.read(ctx)
		want := other.write(ctx)
		start := time.Now()
		for {
			if v, _ := db.read(ctx); v >= want {
				break
			}
			if time.Since(start) > 2*time.Second {
				t.Fatalf("write %d of another process not seen after 2s", i)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
}
