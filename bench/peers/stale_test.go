package peers

import (
	"context"
	"flag"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

var (
	harnessDuration = flag.Duration("harness", 2*time.Second, "how long the stale-read harness runs per cache (300ms with -short)")
	writePause      = flag.Duration("harness.pause", 2*time.Millisecond, "the writer's shortest pause between writes; the longest is 4x")
)

func harnessFor() time.Duration {
	if testing.Short() {
		return 300 * time.Millisecond
	}
	return *harnessDuration
}

// slowDB is a database holding one counter. A read takes 1 to 3 ms and
// returns the value as of its start, so that writes land while reads are
// in flight.
type slowDB struct {
	mu      sync.Mutex
	version int64
	loads   atomic.Int64
}

// Read implements Counter.
func (d *slowDB) Read(ctx context.Context) (int64, error) {
	d.loads.Add(1)
	d.mu.Lock()
	v := d.version
	d.mu.Unlock()
	time.Sleep(time.Millisecond + rand.N(2*time.Millisecond))
	return v, nil
}

// Write implements Counter.
func (d *slowDB) Write(ctx context.Context) (int64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	return d.version, nil
}

// twoInstances is a cache in front of slowDB, as two processes sharing the
// Redis run it: reads alternate between the instances, writes go through
// the first.
type twoInstances struct {
	read  [2]func(ctx context.Context) (int64, error)
	write func(ctx context.Context) (int64, error)
	n     atomic.Int64
}

func (t *twoInstances) get(ctx context.Context) (int64, error) {
	return t.read[t.n.Add(1)%2](ctx)
}

// harnessSubject makes the two instances of one cache over db.
type harnessSubject struct {
	name string
	new  func(tb testing.TB, db *slowDB) *twoInstances
}

// harnessSubjects lists cachegen and every peer.
func harnessSubjects() []harnessSubject {
	cachegen := func(opts ...cache.Option) func(tb testing.TB, db *slowDB) *twoInstances {
		return func(tb testing.TB, db *slowDB) *twoInstances {
			prefix := newPrefix()
			first, second := NewCachedCounter(db, newCachegen(tb, prefix, opts...)), NewCachedCounter(db, newCachegen(tb, prefix, opts...))
			return &twoInstances{read: [2]func(context.Context) (int64, error){first.Read, second.Read}, write: first.Write}
		}
	}
	out := []harnessSubject{
		{"cachegen", cachegen()},
		{"cachegen+near", cachegen(cache.WithNearCache(cache.NearCache{}))},
		// Across processes, the tracked near cache trades exactness for hits
		// without a round trip: its figures are measured, not asserted.
		{"cachegen+tracked", cachegen(cache.WithNearCache(cache.NearCache{Tracked: true}))},
	}
	for _, p := range asidePeers {
		out = append(out, harnessSubject{p.name, func(tb testing.TB, db *slowDB) *twoInstances {
			key := newPrefix() + ":counter"
			var t twoInstances
			first := p.new(tb)
			for i, a := range [2]aside{first, p.new(tb)} {
				t.read[i] = func(ctx context.Context) (int64, error) {
					var v int64
					err := a.get(ctx, key, &v, func() (any, error) { return db.Read(ctx) })
					return v, err
				}
			}
			t.write = func(ctx context.Context) (int64, error) {
				n, _ := db.Write(ctx)
				return n, first.del(ctx, key)
			}
			return &t
		}})
	}
	return out
}

// harnessResult is what one run of the harness saw.
type harnessResult struct {
	stale, reads, errors, loads, writes int64
	// ages are, for each stale read, the time from the return of the first
	// write it did not see to the read's return.
	ages []time.Duration
}

// percentile returns the p-th percentile of the ages (0 without any).
func (r harnessResult) percentile(p float64) time.Duration {
	if len(r.ages) == 0 {
		return 0
	}
	ages := slices.Clone(r.ages)
	slices.Sort(ages)
	return ages[min(len(ages)-1, int(p/100*float64(len(ages))))]
}

// runHarness runs 8 readers and 1 writer over c for d and counts the reads
// that returned a version older than one whose write had returned before
// the read started. The writer pauses -harness.pause to 4x that between
// writes.
func runHarness(c *twoInstances, db *slowDB, d time.Duration) harnessResult {
	var r harnessResult
	var committed atomic.Int64
	var mu sync.Mutex
	returned := map[int64]time.Time{} // when the write of each version returned
	ctx := context.Background()
	loads := db.loads.Load()
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				floor := committed.Load()
				v, err := c.get(ctx)
				atomic.AddInt64(&r.reads, 1)
				switch {
				case err != nil:
					atomic.AddInt64(&r.errors, 1)
				case v < floor:
					atomic.AddInt64(&r.stale, 1)
					mu.Lock()
					r.ages = append(r.ages, time.Since(returned[v+1]))
					mu.Unlock()
				}
			}
		})
	}
	wg.Go(func() {
		for time.Now().Before(deadline) {
			n, err := c.write(ctx)
			if err != nil {
				atomic.AddInt64(&r.errors, 1)
			}
			mu.Lock()
			returned[n] = time.Now()
			mu.Unlock()
			committed.Store(n) // the only writer: versions only grow
			r.writes++
			time.Sleep(*writePause + rand.N(3**writePause))
		}
	})
	wg.Wait()
	r.loads = db.loads.Load() - loads
	return r
}

// TestStaleReads runs the harness over cachegen and every peer: cachegen
// must serve no stale read, and the hand-written delete-after-write cache
// must, or the harness could not see staleness. The peers' figures are
// logged; BenchmarkPeerStale reports them for docs/benchmarks.md.
func TestStaleReads(t *testing.T) {
	redisURL(t)
	for _, s := range harnessSubjects() {
		t.Run(s.name, func(t *testing.T) {
			db := &slowDB{}
			r := runHarness(s.new(t, db), db, harnessFor())
			t.Logf("%d stale of %d reads (%.2f%%; p50 %v, max %v after the write), %d loads, %d writes, %d errors",
				r.stale, r.reads, 100*float64(r.stale)/float64(r.reads), r.percentile(50), r.percentile(100), r.loads, r.writes, r.errors)
			switch s.name {
			case "cachegen", "cachegen+near":
				if r.stale != 0 || r.errors != 0 {
					t.Fatalf("cachegen served %d stale reads, %d errors", r.stale, r.errors)
				}
				if r.loads >= r.reads/2 {
					t.Fatalf("%d loads for %d reads: the harness hardly exercised the cache", r.loads, r.reads)
				}
			case "get+encoding_json":
				if r.stale == 0 {
					t.Fatalf("no stale read of the delete-after-write cache in %d reads: the harness cannot see staleness", r.reads)
				}
			}
		})
	}
}

// BenchmarkPeerStale runs the harness once per iteration (run it with
// -benchtime 1x) and reports the share of stale reads, how long after the
// write they were served (p50, p99, max) and the counts per run; its time
// per op is the harness's duration.
func BenchmarkPeerStale(b *testing.B) {
	for _, s := range harnessSubjects() {
		b.Run(s.name, func(b *testing.B) {
			var sum harnessResult
			for range b.N {
				db := &slowDB{} // and new instances and keys: no run sees another's versions
				r := runHarness(s.new(b, db), db, harnessFor())
				sum.stale += r.stale
				sum.reads += r.reads
				sum.errors += r.errors
				sum.loads += r.loads
				sum.writes += r.writes
				sum.ages = append(sum.ages, r.ages...)
			}
			n := float64(b.N)
			b.ReportMetric(100*float64(sum.stale)/float64(sum.reads), "stale-%")
			b.ReportMetric(float64(sum.percentile(50).Microseconds())/1000, "stale-p50-ms")
			b.ReportMetric(float64(sum.percentile(99).Microseconds())/1000, "stale-p99-ms")
			b.ReportMetric(float64(sum.percentile(100).Microseconds())/1000, "stale-max-ms")
			b.ReportMetric(float64(sum.stale)/n, "stale/run")
			b.ReportMetric(float64(sum.reads)/n, "reads/run")
			b.ReportMetric(float64(sum.loads)/n, "loads/run")
			b.ReportMetric(float64(sum.writes)/n, "writes/run")
			b.ReportMetric(float64(sum.errors)/n, "errors/run")
		})
	}
}
