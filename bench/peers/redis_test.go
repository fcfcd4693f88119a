package peers

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// redisURL returns CACHEGEN_REDIS_URL, or skips: the peers need a real
// Redis (client-side caching, MEMORY USAGE).
func redisURL(tb testing.TB) string {
	tb.Helper()
	url := os.Getenv("CACHEGEN_REDIS_URL")
	if url == "" {
		tb.Skip("set CACHEGEN_REDIS_URL, e.g. redis://127.0.0.1:6379/0")
	}
	return url
}

// goRedis returns a go-redis client of its own for CACHEGEN_REDIS_URL.
func goRedis(tb testing.TB) *redis.Client {
	tb.Helper()
	opt, err := cache.ParseRedisURL(redisURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	// Measure, do not time out, even with 64 goroutines on a loaded machine.
	opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = time.Second, time.Second, 30*time.Second
	client := redis.NewClient(opt)
	tb.Cleanup(func() { client.Close() })
	return client
}

// rueidisOptions returns rueidis options for CACHEGEN_REDIS_URL; client-side
// caching is on (rueidis's default).
func rueidisOptions(tb testing.TB) rueidis.ClientOption {
	tb.Helper()
	opt, err := rueidis.ParseURL(redisURL(tb))
	if err != nil {
		tb.Fatal(err)
	}
	return opt
}

var prefixSeq atomic.Int64

// newPrefix returns a key prefix of its own, so that runs sharing a Redis
// never see each other's keys.
func newPrefix() string {
	return fmt.Sprintf("cgpeers:%d.%d", time.Now().UnixNano(), prefixSeq.Add(1))
}

// check panics on an error, which is safe from RunParallel's goroutines.
func check(err error) {
	if err != nil {
		panic(err)
	}
}

// entrySize reports the size of the value under key, as stored (B/entry,
// STRLEN) and as Redis accounts for it (redis-B/entry, MEMORY USAGE: key,
// value and allocator rounding).
func entrySize(b *testing.B, key string) {
	client := goRedis(b)
	ctx := context.Background()
	n, err := client.StrLen(ctx, key).Result()
	check(err)
	if n == 0 {
		b.Fatalf("no entry under %q", key)
	}
	mem, err := client.MemoryUsage(ctx, key, 0).Result()
	check(err)
	b.ReportMetric(float64(n), "B/entry")
	b.ReportMetric(float64(mem), "redis-B/entry")
}
