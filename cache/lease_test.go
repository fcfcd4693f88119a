package cache

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFleetLease: eight processes (caches sharing one Redis) miss a hot key
// at once after each write; with the lease about one of them loads it per
// version, without it each does.
func TestFleetLease(t *testing.T) {
	for _, tc := range []struct {
		name    string
		opts    []Option
		maxLoad int64 // per round
		minLoad int64
	}{
		{"without the lease", nil, 8, 8},
		{"with the lease", []Option{WithFleetLease(time.Second)}, 2, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, _ := testRedis(t)
			prefix := testPrefix(t)
			var loads atomic.Int64
			var version atomic.Int64
			load := func(ctx context.Context) (int64, error) {
				loads.Add(1)
				time.Sleep(50 * time.Millisecond) // a slow query
				return version.Load(), nil
			}
			var procs []*Method
			var caches []*Cache
			for range 8 {
				c := New(NewRedisStore(client), append([]Option{WithPrefix(prefix), WithStoreTimeout(2 * time.Second), WithLogger(quiet)}, tc.opts...)...)
				t.Cleanup(func() { c.Close() })
				caches = append(caches, c)
				procs = append(procs, c.Method("R.Get", time.Minute, "hot"))
			}
			ctx := context.Background()
			for round := range 5 {
				version.Add(1)
				if err := caches[0].Invalidate(ctx, "hot"); err != nil {
					t.Fatal(err)
				}
				loads.Store(0)
				var wg sync.WaitGroup
				for _, m := range procs {
					for range 4 {
						wg.Add(1)
						go func() {
							defer wg.Done()
							k := m.Key()
							k.Int(1)
							v, err := Fetch(ctx, m, k, load)
							if err != nil || v != version.Load() {
								t.Errorf("round %d: %d, %v; want %d", round, v, err, version.Load())
							}
						}()
					}
				}
				wg.Wait()
				n := loads.Load()
				t.Logf("round %d: %d loads by 8 processes", round, n)
				if n < tc.minLoad || n > tc.maxLoad {
					t.Errorf("round %d: %d loads, want %d to %d", round, n, tc.minLoad, tc.maxLoad)
				}
				for _, c := range caches {
					settle(t, c)
				}
			}
		})
	}
}

// TestFleetLeaseGivenUpWhenNothingIsStored: the process holding the lease
// gets an error from the repository (errors are not cached); the process
// waiting for its entry loads at once instead of waiting out the lease.
func TestFleetLeaseGivenUpWhenNothingIsStored(t *testing.T) {
	client, _ := testRedis(t)
	prefix := testPrefix(t)
	const wait = 5 * time.Second
	holder := New(NewRedisStore(client), WithPrefix(prefix), WithStoreTimeout(2*time.Second), WithLogger(quiet), WithFleetLease(wait))
	waiter := New(NewRedisStore(client), WithPrefix(prefix), WithStoreTimeout(2*time.Second), WithLogger(quiet), WithFleetLease(wait))
	t.Cleanup(func() { holder.Close(); waiter.Close() })
	ctx := context.Background()
	fetch := func(c *Cache, load func(context.Context) (int64, error)) (int64, error) {
		m := c.Method("R.Get", time.Minute, "hot")
		k := m.Key()
		k.Int(1)
		return Fetch(ctx, m, k, load)
	}
	errDown := errors.New("database down")
	started := make(chan struct{})
	holderDone := make(chan error, 1)
	go func() {
		_, err := fetch(holder, func(context.Context) (int64, error) {
			close(started) // the lease is taken before the load
			time.Sleep(100 * time.Millisecond)
			return 0, errDown
		})
		holderDone <- err
	}()
	<-started
	begin := time.Now()
	var waiterLoads int
	v, err := fetch(waiter, func(context.Context) (int64, error) { waiterLoads++; return 7, nil })
	elapsed := time.Since(begin)
	if err != nil || v != 7 || waiterLoads != 1 {
		t.Fatalf("waiter: %d, %v, %d loads; want 7, nil, 1", v, err, waiterLoads)
	}
	if err := <-holderDone; !errors.Is(err, errDown) {
		t.Fatalf("holder: %v, want %v", err, errDown)
	}
	// Without giving the lease up, the waiter waits the whole 5s.
	if elapsed >= wait/2 {
		t.Fatalf("the waiter loaded after %v: it waited out the lease (%v) the holder no longer needed", elapsed, wait)
	}
	t.Logf("the waiter loaded %v after the holder's load began", elapsed)
}
