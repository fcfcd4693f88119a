package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// BenchmarkTemplateHit compares a hit of a read whose namespace is a
// template (item:{id}: the family's and the member's versions and the
// entry, read in one round trip) with a hit of the same read in a plain
// namespace (items: its version and the entry), for one item: each alone
// (time and allocations), and paired: each iteration makes both hits, in
// alternating order, so that both see the same moments of a loaded
// machine; the paired run reports the median time of each hit and their
// ratio (its ns/op is the time of the pair).
func BenchmarkTemplateHit(b *testing.B) {
	ctx := context.Background()
	var hits atomic.Int64
	e := newEntityEnv(b, countHits(&hits))
	plain, template := NewCachedWholeItems(Fake{}, e.cache), NewCachedEntityItems(Fake{}, e.cache)
	repos := [2]WholeItems{plain, template}
	for _, r := range repos {
		_, err := r.Get(ctx, 1)
		check(err)
	}
	get := func(r WholeItems) {
		_, err := r.Get(ctx, 1)
		check(err)
	}
	for i, name := range []string{"plain", "template"} {
		b.Run("items=1/"+name, func(b *testing.B) {
			hits.Store(0)
			b.ReportAllocs()
			for b.Loop() {
				get(repos[i])
			}
			b.ReportMetric(float64(hits.Load())/float64(b.N), "hits/read")
		})
	}
	b.Run("items=1/paired", func(b *testing.B) {
		hits.Store(0)
		var lat [2][]time.Duration
		n := 0
		for b.Loop() {
			for k := range 2 {
				j := (n + k) % 2 // plain first on even iterations, template first on odd ones
				start := time.Now()
				get(repos[j])
				lat[j] = append(lat[j], time.Since(start))
			}
			n++
		}
		p, t := median(lat[0]), median(lat[1])
		b.ReportMetric(float64(p.Nanoseconds()), "plain-p50-ns")
		b.ReportMetric(float64(t.Nanoseconds()), "template-p50-ns")
		b.ReportMetric(float64(t)/float64(p), "template/plain")
		b.ReportMetric(float64(hits.Load())/float64(2*b.N), "hits/read")
	})
}

// median returns the median of ds, which it sorts.
func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// countHits counts the cache's hits in n.
func countHits(n *atomic.Int64) cache.Option {
	return cache.WithObserver(func(_ context.Context, ev cache.Event) {
		if ev.Kind == cache.EventHit {
			n.Add(1)
		}
	})
}

// hitRateItems is the number of items of BenchmarkHitRate.
const hitRateItems = 1000

// hitRateZipf is the exponent of the Zipf distribution of
// BenchmarkHitRate's reads and writes: P(item k) is proportional to
// (1+k)^-hitRateZipf.
const hitRateZipf = 1.1

// BenchmarkHitRate measures the hit rate of reads of hitRateItems items
// under writes, with every item in one namespace (WholeItems) and with an
// item per member of a template (EntityItems). The cache is primed with
// every item; then each operation is a write with the given probability,
// else a read, of an item drawn from a Zipf distribution (the same for
// both, from a fixed seed, so that both schemes see the same operations).
// It reports hits/read; time/op is the mean of reads and writes.
func BenchmarkHitRate(b *testing.B) {
	for _, writes := range []float64{0, 0.01, 0.1} {
		for _, scheme := range []string{"whole", "entity"} {
			b.Run(fmt.Sprintf("writes=%g%%/%s", writes*100, scheme), func(b *testing.B) {
				benchHitRate(b, scheme, writes)
			})
		}
	}
}

func benchHitRate(b *testing.B, scheme string, writes float64) {
	ctx := context.Background()
	var hits atomic.Int64
	e := newEntityEnv(b, countHits(&hits))
	var repo WholeItems = NewCachedWholeItems(Fake{}, e.cache)
	if scheme == "entity" {
		repo = NewCachedEntityItems(Fake{}, e.cache)
	}
	for id := range int64(hitRateItems) {
		_, err := repo.Get(ctx, id+1)
		check(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, hitRateZipf, 1, hitRateItems-1)
	hits.Store(0)
	var reads int64
	b.ReportAllocs()
	for b.Loop() {
		id := int64(zipf.Uint64()) + 1
		if rng.Float64() < writes {
			check(repo.Save(ctx, MakeItem(id)))
			continue
		}
		_, err := repo.Get(ctx, id)
		check(err)
		reads++
	}
	b.ReportMetric(float64(hits.Load())/float64(max(reads, 1)), "hits/read")
}

// newEntityEnv is newEnv over a store that records the keys the cache
// writes, deleted when the benchmark ends: the hit-rate benchmarks write
// thousands, whose members' version keys live a day, into a Redis that
// others share.
func newEntityEnv(b *testing.B, opts ...cache.Option) *env {
	client := benchRedis(b)
	prefix := benchPrefix()
	store := &keyRecorder{Store: cache.NewRedisStore(client), keys: map[string]bool{}}
	c := cache.New(store, append([]cache.Option{cache.WithPrefix(prefix), measureTimeout}, opts...)...)
	b.Cleanup(func() {
		c.Close()
		store.delete(client)
	})
	return &env{client: client, cache: c, prefix: prefix}
}

// keyRecorder is a cache.Store that records the keys written through it.
type keyRecorder struct {
	cache.Store
	mu   sync.Mutex
	keys map[string]bool
}

func (r *keyRecorder) record(keys ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range keys {
		r.keys[k] = true
	}
}

// Set implements cache.Store.
func (r *keyRecorder) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	r.record(key)
	return r.Store.Set(ctx, key, value, ttl)
}

// SetVersions implements cache.Store.
func (r *keyRecorder) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	r.record(keys...)
	return r.Store.SetVersions(ctx, keys, values, ttls)
}

// InitVersions implements cache.Store.
func (r *keyRecorder) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) ([]string, error) {
	r.record(keys...)
	return r.Store.InitVersions(ctx, keys, values, ttls)
}

// delete unlinks the recorded keys.
func (r *keyRecorder) delete(client *redis.Client) {
	r.mu.Lock()
	defer r.mu.Unlock()
	batch := make([]string, 0, 1000)
	for k := range r.keys {
		if batch = append(batch, k); len(batch) == cap(batch) {
			client.Unlink(context.Background(), batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		client.Unlink(context.Background(), batch...)
	}
}
