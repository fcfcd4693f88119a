package cache

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestNoStaleReadAfterWriteFleetLease: the stale-read harness over two
// processes with the fleet lease.
func TestNoStaleReadAfterWriteFleetLease(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)
	prefix := testPrefix(t)
	var log eventLog
	db := &slowDB{}
	var procs [2]*versioned
	for i := range procs {
		c := New(NewRedisStore(client), WithPrefix(prefix), WithObserver(log.observe), WithStoreTimeout(2*time.Second), WithFleetLease(20*time.Millisecond), WithLogger(quiet))
		t.Cleanup(func() { c.Close() })
		procs[i] = &versioned{db: db, get: c.Method("DB.Get", time.Minute, "db"), update: c.Method("DB.Write", 0, "db")}
	}
	stale, reads := staleReads(t, &twoProcesses{procs: procs}, 700*time.Millisecond)
	t.Logf("lease: %d stale of %d reads, %d hits", stale, reads, log.n(EventHit))
	if stale != 0 {
		t.Fatalf("%d of %d reads stale", stale, reads)
	}
}

// TestNoStaleReadOnAHotKeyEverything: the hot-key harness over two
// processes with the validated near cache, the fleet lease and a member
// template.
func TestNoStaleReadOnAHotKeyEverything(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)
	prefix := testPrefix(t)
	var log eventLog
	db := &slowDB{delay: time.Millisecond}
	var procs [2]*versioned
	for i := range procs {
		c := New(NewRedisStore(client), WithPrefix(prefix), WithObserver(log.observe), WithStoreTimeout(2*time.Second),
			WithFleetLease(10*time.Millisecond), WithNearCache(NearCache{}), WithLogger(quiet))
		t.Cleanup(func() { c.Close() })
		procs[i] = &versioned{db: db, get: c.Method("DB.Get", time.Minute, "db").Copy(func(v int64) int64 { return v }), update: c.Method("DB.Write", 0, "db")}
	}
	gap := func() time.Duration { return time.Duration(2000+rand.IntN(4000)) * time.Microsecond }
	stale, reads := staleReadsOf(t, &twoProcesses{procs: procs}, time.Second, 32, gap)
	t.Logf("%d stale of %d reads, %d hits", stale, reads, log.n(EventHit))
	if stale != 0 {
		t.Fatalf("%d of %d reads stale", stale, reads)
	}
}
