package cache

import (
	"context"
	"testing"
	"time"
)

// BenchmarkHitCold measures what a 1-item hit costs in the process when
// the CPU's caches no longer hold what it touches, as after a round trip
// to Redis (the kernel, the scheduler and Redis itself ran meanwhile):
// before each call it walks 2 MiB of memory, more than a core's L1 and L2
// caches. The store is the memory store, so there is no network and the
// figures repeat within tens of nanoseconds, run after run; in a hot loop
// (BenchmarkHitCPU) the same code costs several times less.
//
// Each iteration makes five calls, in an order taken in turn from every
// permutation, and it reports the median of each, less the floor's:
//
//   - floor: a Get of the entry's bytes and the same decode;
//   - protocol: the key, one Get of the version key and the entry, the
//     entry's header, the check of its versions, the sidecar and the decode;
//   - bare: Fetch without read coalescing, store timeout or breaker;
//   - wrapped: Fetch with the store timeout and the breaker;
//   - fetch: Fetch with the defaults (read coalescing on).
func BenchmarkHitCold(b *testing.B) {
	ctx := context.Background()
	store := NewMemoryStore()
	fetchOf := func(prefix string, opts ...Option) (func(), *Method, hitItem) {
		c := New(store, append([]Option{WithPrefix(prefix)}, opts...)...)
		b.Cleanup(func() { c.Close() })
		fetch, m, item := hitFetch(b, c)
		fetch()
		settle(b, c) // the miss stores its entry after returning
		return fetch, m, item
	}
	fetch, m, item := fetchOf("fetch")
	wrapped, _, _ := fetchOf("wrapped", WithReadCoalescing(false))
	bare, _, _ := fetchOf("bare", WithReadCoalescing(false), WithStoreTimeout(0), WithBreaker(0, 0))
	data, err := JSON.Marshal(item)
	if err != nil {
		b.Fatal(err)
	}
	if err := store.Set(ctx, "floor", data, 0); err != nil {
		b.Fatal(err)
	}
	n := len(m.versionKeys)
	names := [...]string{"floor", "protocol", "bare", "wrapped", "fetch"}
	calls := [len(names)]func(){
		func() {
			vals, err := store.Get(ctx, []string{"floor"})
			if err != nil {
				b.Fatal(err)
			}
			var v hitItem
			if err := JSON.Unmarshal(vals[0], &v); err != nil || v.ID != 1 {
				b.Fatal(v, err)
			}
		},
		func() {
			k := m.Key()
			k.Int(1)
			vals, err := store.Get(ctx, readKeys(make([]string, 0, n+1), m.versionKeys, k.entry()))
			if err != nil {
				b.Fatal(err)
			}
			v, _, _, current, err := decodeEntry[hitItem](m, vals[n], vals[:n])
			if err != nil || !current || v.ID != 1 {
				b.Fatal(v, current, err)
			}
		},
		bare, wrapped, fetch,
	}
	evict := evicter(2 << 20)
	orders := permutations(len(calls))
	var lat [len(calls)][]time.Duration
	for i := 0; i < b.N; i++ {
		for _, j := range orders[i%len(orders)] {
			evict()
			start := time.Now()
			calls[j]()
			lat[j] = append(lat[j], time.Since(start))
		}
	}
	floor := medianOf(lat[0])
	b.ReportMetric(float64(floor.Nanoseconds()), "floor-ns")
	for j := 1; j < len(calls); j++ {
		b.ReportMetric(float64((medianOf(lat[j]) - floor).Nanoseconds()), names[j]+"-extra-ns")
	}
}

// evicter returns a function that writes one byte of every 64 of size
// bytes, pushing what the caches held out of them.
func evicter(size int) func() {
	buf := make([]byte, size)
	return func() {
		for i := 0; i < len(buf); i += 64 {
			buf[i]++
		}
	}
}
