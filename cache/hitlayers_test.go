package cache

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkHitLayers measures a 1-item hit over a real Redis beside what
// it is made of, in rotating order within each iteration so that the
// three see the same moments of the machine: the floor (GET of the entry's
// bytes and the same decode), a raw go-redis MGET of a version token and
// those bytes with the same decode (the protocol's two keys, without the
// cache), and Fetch. It reports each one's median over the floor's; the
// last two differ by the cache's own work. Needs CACHEGEN_REDIS_URL: over
// miniredis, in this process, the figures would be miniredis's.
func BenchmarkHitLayers(b *testing.B) {
	client, mr := testRedis(b)
	if mr != nil {
		b.Skip("needs a real Redis (CACHEGEN_REDIS_URL=redis://127.0.0.1:6379/0)")
	}
	ctx := context.Background()
	prefix := testPrefix(b)
	c := New(NewRedisStore(client), WithPrefix(prefix), WithStoreTimeout(10*time.Second))
	defer c.Close()
	fetch, item := hitFetch(b, c)
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
	reads := [3]func(){
		func() {
			p, err := client.Get(ctx, floorKey).Bytes()
			if err != nil {
				b.Fatal(err)
			}
			decode(p)
		},
		func() {
			vals, err := client.MGet(ctx, versionKey, floorKey).Result()
			if err != nil {
				b.Fatal(err)
			}
			s, _ := vals[1].(string)
			decode([]byte(s))
		},
		fetch,
	}
	var lat [3][]time.Duration
	for i := 0; i < b.N; i++ {
		for k := range 3 {
			j := (i + k) % 3
			start := time.Now()
			reads[j]()
			lat[j] = append(lat[j], time.Since(start))
		}
	}
	var p50 [3]float64
	for j := range lat {
		slices.Sort(lat[j])
		p50[j] = float64(lat[j][len(lat[j])/2])
	}
	b.ReportMetric(p50[0], "floor-p50-ns")
	b.ReportMetric(p50[1]/p50[0], "mget/floor")
	b.ReportMetric(p50[2]/p50[0], "fetch/floor")
}
