package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// compressions are the entry formats compared: plain JSON, and JSON
// compressed above 1 KiB.
var compressions = []struct {
	name string
	alg  cache.Compression
}{{"json", 0}, {"json+s2", cache.S2}, {"json+zstd", cache.Zstd}}

// compressThreshold is the WithCompression threshold of the benchmarks.
const compressThreshold = 1024

// BenchmarkCompression compares hits on 1- and 100-item entries, and misses
// of 100 items, stored as plain JSON and compressed by S2 and zstd, in one
// run. Each hit reports its entry's size as stored (B/entry, STRLEN) and as
// Redis accounts for it (redis-B/entry, MEMORY USAGE: key, value and
// allocator rounding).
func BenchmarkCompression(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 100} {
		for _, comp := range compressions {
			b.Run(fmt.Sprintf("items=%d/%s/hit", n, comp.name), func(b *testing.B) {
				var key atomic.Pointer[string]
				e := newEnv(b, cache.WithCompression(comp.alg, compressThreshold), cache.WithObserver(func(_ context.Context, ev cache.Event) {
					if ev.Kind == cache.EventMiss {
						key.Store(&ev.Key)
					}
				}))
				read := func() { _, err := e.repo.List(ctx, n); check(err) }
				if n == 1 {
					read = func() { _, err := e.repo.One(ctx, 1); check(err) }
				}
				read() // the miss that stores the entry
				b.ReportAllocs()
				for b.Loop() {
					read()
				}
				reportEntrySize(b, e.client, *key.Load())
			})
		}
	}
	for _, comp := range compressions {
		b.Run("items=100/"+comp.name+"/miss", func(b *testing.B) {
			e := newEnv(b, cache.WithCompression(comp.alg, compressThreshold))
			e.repo.Page(ctx, 0) // create the version key
			b.ReportAllocs()
			var page int64
			for b.Loop() {
				page++ // a new key each time: always a miss
				_, err := e.repo.Page(ctx, page)
				check(err)
			}
		})
	}
}

// BenchmarkCompressionHitRatio reads the 100-item entry as plain JSON and
// compressed by S2 and zstd in turn, within every iteration (rotating the
// order), and reports the mean time of each one's hits and their ratios to
// JSON's: a loaded machine slows all three alike, so these ratios hold where
// those of separate benchmarks, seconds apart, do not.
func BenchmarkCompressionHitRatio(b *testing.B) {
	ctx := context.Background()
	envs := make([]*env, len(compressions))
	for i, comp := range compressions {
		envs[i] = newEnv(b, cache.WithCompression(comp.alg, compressThreshold))
		_, err := envs[i].repo.List(ctx, 100) // the miss that stores the entry
		check(err)
	}
	total := make([]time.Duration, len(envs))
	var k int
	for b.Loop() {
		k++
		for j := range envs {
			i := (j + k) % len(envs)
			start := time.Now()
			_, err := envs[i].repo.List(ctx, 100)
			check(err)
			total[i] += time.Since(start)
		}
	}
	for i, comp := range compressions {
		b.ReportMetric(float64(total[i].Nanoseconds())/float64(b.N), comp.name+"-ns/hit")
		if i > 0 {
			b.ReportMetric(float64(total[i])/float64(total[0]), comp.name+"/json")
		}
	}
}

// reportEntrySize reports the size of the value under key, as stored and
// in Redis's memory.
func reportEntrySize(b *testing.B, client *redis.Client, key string) {
	ctx := context.Background()
	n, err := client.StrLen(ctx, key).Result()
	check(err)
	b.ReportMetric(float64(n), "B/entry")
	// miniredis has no MEMORY USAGE.
	if mem, err := client.MemoryUsage(ctx, key, 0).Result(); err == nil {
		b.ReportMetric(float64(mem), "redis-B/entry")
	}
}
