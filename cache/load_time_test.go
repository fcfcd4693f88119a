package cache

import (
	"context"
	"sync"
	"testing"
	"time"
)

// TestMissReportsLoadTime: a miss event carries how long the repository
// call took, and when callers share one call, exactly one of their miss
// events carries it, so that an observer counts each call once.
func TestMissReportsLoadTime(t *testing.T) {
	var mu sync.Mutex
	var loads []time.Duration
	var misses, hits int
	c := New(NewMemoryStore(), WithObserver(func(_ context.Context, e Event) {
		mu.Lock()
		defer mu.Unlock()
		switch e.Kind {
		case EventHit:
			hits++
		case EventMiss:
			misses++
			if e.Load > 0 {
				loads = append(loads, e.Load)
			}
		}
	}))
	m := c.Method("R.Get", time.Minute, "books")
	const delay = 20 * time.Millisecond
	release := make(chan struct{})
	load := func(context.Context) (int, error) {
		<-release
		time.Sleep(delay)
		return 1, nil
	}
	const callers = 8
	var wg waitGroup
	for range callers {
		wg.Go(func() {
			k := m.Key()
			k.Int(7)
			if _, err := Fetch(context.Background(), m, k, load); err != nil {
				t.Error(err)
			}
		})
	}
	time.Sleep(50 * time.Millisecond) // let the callers join one flight
	close(release)
	wg.Wait()
	// A caller that came late may hit the stored entry, or join a second
	// flight that finds it: either way the repository was called once.
	if misses+hits != callers || misses == 0 {
		t.Fatalf("%d misses and %d hits for %d callers", misses, hits, callers)
	}
	t.Logf("%d callers missed, %d hit", misses, hits)
	if len(loads) != 1 || loads[0] < delay {
		t.Fatalf("miss events with a load time: %v; want one, of at least %s", loads, delay)
	}
}
