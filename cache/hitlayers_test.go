package cache

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkHitLayers measures a 1-item hit over a real Redis beside what
// it is made of, so that the cost of each layer over the floor can be told
// apart:
//
//   - floor: a GET of the entry's bytes and the same decode;
//   - mget: a raw go-redis MGET of a version token and those bytes, and the
//     same decode (the protocol's two keys, nothing of the cache);
//   - protocol: what the protocol itself needs, without the cache's
//     machinery: the key, one Get of the version key and the entry through
//     the Redis store, the entry's header, the check of its versions, the
//     sidecar and the decode (no coalescing, store timeout, breaker, events);
//   - fetch: Fetch, as generated code calls it;
//   - cpu: the floor, then a microsecond of arithmetic (timed in a hot loop
//     before the benchmark starts), to show what a microsecond of work in
//     the process costs after a round trip.
//
// Each iteration makes all five, in an order taken in turn from every
// permutation, so that each sees the same moments of the machine and the
// same reads before it: a hit measured right after a floor read was 2 µs
// slower than after another hit, while the floor did not care which came
// before ("all"). It reports each one's median over the floor's, then the
// same for the protocol and Fetch each paired with the floor alone, in
// alternating order, as bench's BenchmarkHit/items=1/paired measures the
// generated wrapper ("paired/protocol", "paired/fetch"). Needs
// CACHEGEN_REDIS_URL: over miniredis, in this process, the figures would be
// miniredis's.
func BenchmarkHitLayers(b *testing.B) {
	client, mr := testRedis(b)
	if mr != nil {
		b.Skip("needs a real Redis (CACHEGEN_REDIS_URL=redis://127.0.0.1:6379/0)")
	}
	ctx := context.Background()
	prefix := testPrefix(b)
	c := New(NewRedisStore(client), WithPrefix(prefix), WithStoreTimeout(10*time.Second))
	defer c.Close()
	fetch, m, item := hitFetch(b, c)
	fetch()
	settle(b, c) // the miss stores its entry after returning
	data, err := JSON.Marshal(item)
	if err != nil {
		b.Fatal(err)
	}
	floorKey, versionKey := prefix+":floor", prefix+":floor:version"
	if err := client.Set(ctx, floorKey, data, time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	if err := client.Set(ctx, versionKey, "0123456789abcdef", time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	decode := func(p []byte) {
		var v hitItem
		if err := JSON.Unmarshal(p, &v); err != nil || v.ID != 1 {
			b.Fatal(v, err)
		}
	}
	floor := func() {
		p, err := client.Get(ctx, floorKey).Bytes()
		if err != nil {
			b.Fatal(err)
		}
		decode(p)
	}
	raw := NewRedisStore(client)
	n := len(m.versionKeys)
	spins := spinsPerMicrosecond()
	names := [...]string{"floor", "mget", "protocol", "fetch", "cpu"}
	reads := [len(names)]func(){
		floor,
		func() {
			vals, err := client.MGet(ctx, versionKey, floorKey).Result()
			if err != nil {
				b.Fatal(err)
			}
			s, _ := vals[1].(string)
			decode([]byte(s))
		},
		func() {
			k := m.Key()
			k.Int(1)
			vals, err := raw.Get(ctx, readKeys(make([]string, 0, n+1), m.versionKeys, k.entry()))
			if err != nil {
				b.Fatal(err)
			}
			v, _, _, current, err := decodeEntry[hitItem](m, vals[n], vals[:n])
			if err != nil || !current || v.ID != 1 {
				b.Fatal(v, current, err)
			}
		},
		fetch,
		func() { floor(); spin(spins) },
	}
	b.Run("all", func(b *testing.B) {
		orders := permutations(len(reads))
		var lat [len(reads)][]time.Duration
		for i := 0; i < b.N; i++ {
			for _, j := range orders[i%len(orders)] {
				start := time.Now()
				reads[j]()
				lat[j] = append(lat[j], time.Since(start))
			}
		}
		var p50 [len(reads)]float64
		for j := range lat {
			p50[j] = float64(medianOf(lat[j]))
		}
		b.ReportMetric(p50[0], "floor-p50-ns")
		for j := 1; j < len(reads); j++ {
			b.ReportMetric(p50[j]/p50[0], names[j]+"/floor")
		}
	})
	// As bench's BenchmarkHit/items=1/paired measures the generated
	// wrapper: one layer and the floor, in alternating order.
	for _, j := range []int{2, 3} {
		b.Run("paired/"+names[j], func(b *testing.B) {
			pair := [2]func(){reads[j], floor}
			var lat [2][]time.Duration
			for i := 0; i < b.N; i++ {
				for k := range 2 {
					x := (i + k) % 2
					start := time.Now()
					pair[x]()
					lat[x] = append(lat[x], time.Since(start))
				}
			}
			b.ReportMetric(float64(medianOf(lat[0]))/float64(medianOf(lat[1])), names[j]+"/floor")
		})
	}
}

// medianOf returns the median of d, which it sorts.
func medianOf(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

// permutations returns every order of 0..n-1.
func permutations(n int) [][]int {
	if n == 0 {
		return [][]int{{}}
	}
	var out [][]int
	for _, p := range permutations(n - 1) {
		for i := 0; i <= len(p); i++ {
			q := slices.Insert(slices.Clone(p), i, n-1)
			out = append(out, q)
		}
	}
	return out
}

// spinSink keeps spin's result, so that its loop is not optimised away.
var spinSink uint64

// spin does n steps of arithmetic, touching no memory.
func spin(n int) {
	x := uint64(1)
	for range n {
		x = x*6364136223846793005 + 1442695040888963407
	}
	spinSink = x
}

// spinsPerMicrosecond returns how many steps of spin take a microsecond in
// a hot loop, from the fastest of three measures (the least disturbed).
func spinsPerMicrosecond() int {
	best := 1
	for range 3 {
		const steps = 1 << 20
		start := time.Now()
		spin(steps)
		per := int(float64(steps) / (float64(time.Since(start)) / float64(time.Microsecond)))
		if per > best {
			best = per
		}
	}
	return best
}

func TestPermutations(t *testing.T) {
	ps := permutations(4)
	seen := map[[4]int]bool{}
	for _, p := range ps {
		if len(p) != 4 {
			t.Fatalf("%v: want 4 elements", p)
		}
		var a [4]int
		copy(a[:], p)
		seen[a] = true
	}
	if len(ps) != 24 || len(seen) != 24 {
		t.Fatalf("%d permutations, %d distinct: want 24", len(ps), len(seen))
	}
	for a := range seen {
		s := slices.Clone(a[:])
		slices.Sort(s)
		if !slices.Equal(s, []int{0, 1, 2, 3}) {
			t.Fatalf("%v is not a permutation of 0..3", a)
		}
	}
}
