package cache

import (
	"testing"
	"time"
)

// TestNoStaleReadAfterWriteFleetLease: the stale-read harness over two
// processes with the fleet lease.
func TestNoStaleReadAfterWriteFleetLease(t *testing.T) {
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
