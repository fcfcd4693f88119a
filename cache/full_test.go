package cache

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// fillRedis writes junk, then lowers maxmemory below the memory in use, so
// that Redis (under noeviction) refuses every write until room is made
// again with CONFIG SET maxmemory 0.
func fillRedis(t *testing.T, client *redis.Client) {
	t.Helper()
	ctx := context.Background()
	junk := make([]byte, 64<<10)
	for i := range 64 {
		if err := client.Set(ctx, "junk:"+strconv.Itoa(i), junk, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
	used, err := strconv.Atoi(infoField(t, client, "memory", "used_memory"))
	if err != nil {
		t.Fatal(err)
	}
	if err := client.ConfigSet(ctx, "maxmemory", strconv.Itoa(used/2)).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.Set(ctx, "junk:more", "x", 0).Err(); !redis.HasErrorPrefix(err, "OOM") {
		t.Fatalf("a write to a full Redis: %v, want OOM", err)
	}
}

func TestFaultFullRedisNoEviction(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory-policy", "noeviction")
	clientA := redis.NewClient(RedisOptions(srv.Addr()))
	defer clientA.Close()
	clientB := redis.NewClient(RedisOptions(srv.Addr()))
	defer clientB.Close()
	var logB eventLog
	a := New(NewRedisStore(clientA), WithPrefix("full"), WithLogger(quiet))
	b := New(NewRedisStore(clientB), WithPrefix("full"), WithLogger(quiet), WithObserver(logB.observe)) // another process
	db := &slowDB{delay: 100 * time.Microsecond}
	update := a.Method("DB.Write", 0, "db")
	get := b.Method("DB.Get", time.Minute, "db")
	ctx := context.Background()
	read := func(id int) int64 {
		k := get.Key()
		k.Int(int64(id))
		v, err := Fetch(ctx, get, k, db.read)
		if err != nil {
			t.Errorf("read: %v", err)
		}
		return v
	}
	const keys = 20
	for i := range keys {
		read(i) // B caches version 0 of every key
	}
	fillRedis(t, clientA)

	// A writes now and then while Redis is full; B keeps reading.
	var committed, stale, reads atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				floor := committed.Load()
				if read(i%keys) < floor {
					stale.Add(1)
				}
				reads.Add(1)
			}
		}()
	}
	var invalidateErrs int
	for range 5 {
		time.Sleep(100 * time.Millisecond)
		n := db.write()
		if err := update.Invalidate(ctx); err != nil {
			invalidateErrs++
			t.Logf("invalidation: %v", err)
		}
		committed.Store(n)
	}
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	t.Logf("Redis full (noeviction): %d reads in another process, %d stale; %d of 5 invalidations failed; B: hits %d, misses %d, bypasses %d, faults %d", reads.Load(), stale.Load(), invalidateErrs, logB.n(EventHit), logB.n(EventMiss), logB.n(EventBypass), logB.n(EventError))
	if stale.Load() != 0 {
		t.Fatalf("%d of %d reads in another process returned data older than a completed write", stale.Load(), reads.Load())
	}
	if invalidateErrs != 0 {
		t.Fatalf("%d invalidations failed, although Redis could delete the version keys", invalidateErrs)
	}

	// Once Redis has room again, the version keys are re-created and hits
	// come back.
	clientA.ConfigSet(ctx, "maxmemory", "0")
	hits := logB.n(EventHit)
	for range 3 {
		read(0)
	}
	if logB.n(EventHit) == hits {
		t.Fatal("no hit after Redis had room again")
	}
}
