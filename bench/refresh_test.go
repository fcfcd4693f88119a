package bench

import (
	"context"
	"flag"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// Sizes of BenchmarkHotKeyExpiry: the key's TTL and refresh window, how
// long each run reads, the fleet's processes and their rate in all.
var (
	expiryTTL     = flag.Duration("expiry-ttl", 2*time.Second, "TTL of BenchmarkHotKeyExpiry's key")
	expiryWindow  = flag.Duration("expiry-refresh", 500*time.Millisecond, "refresh window of BenchmarkHotKeyExpiry")
	expiryRun     = flag.Duration("expiry-run", 6500*time.Millisecond, "how long each BenchmarkHotKeyExpiry run reads, after warm-up")
	expiryProcs   = 4
	expiryRate    = 1000 // reads per second across the fleet
	expiryLoadFor = 5 * time.Millisecond
)

// BenchmarkHotKeyExpiry reads one key at 1,000 reads/s from 4 caches (as
// 4 processes, each with its own client) across several TTL expiries,
// with early refresh (refresh=) and without it, both with the fleet lease
// (WithFleetLease), and reports the callers' misses after warm-up, the
// loads, and the p50 and p99 of every read and of the hits alone. The
// repository takes 5ms. The steady run is the reference: the same reads of
// a key that does not expire during the run (a TTL of an hour), all hits. Run it once: -test.benchtime 1x; each b.N is one
// run of -expiry-run.
func BenchmarkHotKeyExpiry(b *testing.B) {
	for _, mode := range []string{"steady", "refresh=off", "refresh=on"} {
		b.Run(mode, func(b *testing.B) {
			client := benchRedis(b)
			for b.Loop() {
				r := runHotKeyExpiry(b, client.Options(), mode)
				b.ReportMetric(float64(r.misses), "misses")
				b.ReportMetric(float64(r.loads), "loads")
				b.ReportMetric(float64(r.refreshes), "refreshes")
				b.ReportMetric(float64(r.slow), "reads>2ms")
				b.ReportMetric(float64(r.expiries), "expiries")
				b.ReportMetric(float64(r.p50.Microseconds()), "p50-µs")
				b.ReportMetric(float64(r.p99.Microseconds()), "p99-µs")
				b.ReportMetric(float64(r.hitP99.Microseconds()), "hit-p99-µs")
				b.ReportMetric(float64(r.reads), "reads")
			}
		})
	}
}

// expiryResult is what one run of BenchmarkHotKeyExpiry saw after warm-up.
type expiryResult struct {
	reads, misses, loads, refreshes, expiries, slow int64
	p50, p99, hitP99                                time.Duration
}

func runHotKeyExpiry(b *testing.B, opt *redis.Options, mode string) expiryResult {
	ctx := context.Background()
	prefix := benchPrefix()
	var loads, misses, refreshes atomic.Int64
	load := func(ctx context.Context) (Item, error) {
		loads.Add(1)
		time.Sleep(expiryLoadFor) // the database
		return MakeItem(1), nil
	}
	observe := func(_ context.Context, e cache.Event) {
		switch e.Kind {
		case cache.EventMiss:
			misses.Add(1)
		case cache.EventRefresh:
			refreshes.Add(1)
		}
	}
	methods := make([]*cache.Method, expiryProcs)
	for i := range methods {
		o := *opt
		client := redis.NewClient(&o)
		c := cache.New(cache.NewRedisStore(client), cache.WithPrefix(prefix), measureTimeout, cache.WithObserver(observe),
			cache.WithFleetLease(time.Second))
		b.Cleanup(func() { c.Close(); client.Close() })
		ttl := *expiryTTL
		if mode == "steady" {
			ttl = time.Hour
		}
		m := cache.Read[Repo, Item](c, "Hot.Get", ttl, "hot")
		if mode == "refresh=on" {
			m.Refresh(*expiryWindow)
		}
		methods[i] = m
	}
	read := func(m *cache.Method) (time.Duration, cache.Status) {
		k := m.Key()
		k.Int(1)
		rctx, rec := cache.Record(ctx)
		start := time.Now()
		_, err := cache.Fetch(rctx, m, k, load)
		check(err)
		return time.Since(start), rec.Status()
	}
	// Warm-up: the first miss, then one hit in each process.
	read(methods[0])
	time.Sleep(50 * time.Millisecond) // the entry is stored after the miss returns
	for _, m := range methods {
		read(m)
	}
	loads.Store(0)
	misses.Store(0)
	refreshes.Store(0)

	var mu sync.Mutex
	var all, hits []time.Duration
	gap := time.Duration(expiryProcs) * time.Second / time.Duration(expiryRate)
	start := time.Now()
	var wg sync.WaitGroup
	for i, m := range methods {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine, myHits []time.Duration
			// Each process reads every gap, the processes spread over it.
			next := start.Add(time.Duration(i) * gap / time.Duration(expiryProcs))
			for next.Before(start.Add(*expiryRun)) {
				time.Sleep(time.Until(next))
				d, st := read(m)
				mine = append(mine, d)
				if st == cache.StatusHit {
					myHits = append(myHits, d)
				}
				next = next.Add(gap)
			}
			mu.Lock()
			all, hits = append(all, mine...), append(hits, myHits...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	var slow int64
	for _, d := range all {
		if d > 2*time.Millisecond {
			slow++
		}
	}
	expiries := int64(*expiryRun / *expiryTTL)
	if mode == "steady" {
		expiries = 0
	}
	return expiryResult{reads: int64(len(all)), misses: misses.Load(), loads: loads.Load(), refreshes: refreshes.Load(),
		expiries: expiries, slow: slow, p50: quantile(all, 0.50), p99: quantile(all, 0.99), hitP99: quantile(hits, 0.99)}
}

// quantile returns the q-quantile of ds (sorted in place), zero for none.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}
