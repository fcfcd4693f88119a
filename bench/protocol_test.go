package bench

import (
	"context"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

// BenchmarkHitProtocol splits the cost of a 1-item hit over the floor in
// two: what the protocol's second key costs, and what the cache's own work
// costs. Each iteration makes three reads, in an order that rotates, so
// that all three see the same moments of the machine: the floor (GET of
// the item's bytes plus the decode), the same read as a raw go-redis MGET
// of a version token and those bytes (the two keys a hit reads, in one
// round trip) plus the same decode, and a hit through the generated
// wrapper. It reports the median of each and their ratios to the floor
// (its ns/op is the time of the three). scripts/benchmarks.sh does not run
// it; docs/benchmarks.md gives the command and a run.
func BenchmarkHitProtocol(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	want, _ := e.repo.One(ctx, 1)
	floor := e.floorKey(b, "one", want)
	version := e.prefix + ":floor:version"
	check(e.client.Set(ctx, version, "0123456789abcdef", time.Hour).Err())
	reads := [3]func(){
		func() { getDecode[Item](e.client, floor, cache.JSON.Unmarshal) },
		func() {
			vals, err := e.client.MGet(ctx, version, floor).Result()
			check(err)
			s, _ := vals[1].(string)
			var v Item
			check(cache.JSON.Unmarshal([]byte(s), &v))
		},
		func() { _, err := e.repo.One(ctx, 1); check(err) },
	}
	var lat [3][]time.Duration
	n := 0
	for b.Loop() {
		for k := range 3 {
			j := (n + k) % 3
			start := time.Now()
			reads[j]()
			lat[j] = append(lat[j], time.Since(start))
		}
		n++
	}
	f, m, c := median(lat[0]), median(lat[1]), median(lat[2])
	b.ReportMetric(float64(f.Nanoseconds()), "floor-p50-ns")
	b.ReportMetric(float64(m.Nanoseconds()), "mget-p50-ns")
	b.ReportMetric(float64(c.Nanoseconds()), "cachegen-p50-ns")
	b.ReportMetric(float64(m)/float64(f), "mget/floor")
	b.ReportMetric(float64(c)/float64(f), "cachegen/floor")
}
