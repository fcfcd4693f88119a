package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

var filler = flag.Int("filler", 100_000, "keys of other data in the Redis of the invalidation benchmark")

// ownRedis connects to CACHEGEN_BENCH_OWN_REDIS_URL, a Redis of the
// benchmark's own that it may fill and empty freely (scripts/benchmarks.sh
// starts one); it skips when the variable is not set.
func ownRedis(b *testing.B) *redis.Client {
	b.Helper()
	url := os.Getenv("CACHEGEN_BENCH_OWN_REDIS_URL")
	if url == "" {
		b.Skip("set CACHEGEN_BENCH_OWN_REDIS_URL to a Redis this benchmark may fill (scripts/benchmarks.sh starts one)")
	}
	opt, err := cache.ParseRedisURL(url)
	if err != nil {
		b.Fatal(err)
	}
	opt.ReadTimeout, opt.WriteTimeout = time.Minute, time.Minute
	client := redis.NewClient(opt)
	b.Cleanup(func() { client.Close() })
	return client
}

// fill writes n keys named prefix:i in pipelines.
func fill(b *testing.B, client *redis.Client, prefix string, n int) {
	ctx := context.Background()
	for start := 0; start < n; start += 10_000 {
		pipe := client.Pipeline()
		for i := start; i < min(start+10_000, n); i++ {
			pipe.Set(ctx, prefix+strconv.Itoa(i), "cg1:json:0123456789abcdef\n{\"id\":1}", time.Hour)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// fastapiClear is fastapi-cache2's RedisBackend.clear(namespace): KEYS
// inside a Lua script, deleting each match.
const fastapiClear = `for i, key in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', key) end`

// BenchmarkInvalidate clears a namespace of 10k and 100k entries, in a Redis
// that also holds -filler other keys: cachegen's version bump against
// SCAN+UNLINK and against fastapi-cache2's KEYS-in-Lua.
func BenchmarkInvalidate(b *testing.B) {
	client := ownRedis(b)
	ctx := context.Background()
	fill(b, client, "other:", *filler)
	c := cache.New(cache.NewRedisStore(client), cache.WithPrefix("inv"))
	defer c.Close()
	for _, n := range []int{10_000, 100_000} {
		prefix := fmt.Sprintf("inv:{ns%d}:Repo.One:", n)
		ns := fmt.Sprintf("ns%d", n)
		b.Run(fmt.Sprintf("entries=%d/cachegen", n), func(b *testing.B) {
			fill(b, client, prefix, n)
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Invalidate(ctx, ns); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("entries=%d/scan+unlink", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fill(b, client, prefix, n)
				b.StartTimer()
				var cursor uint64
				for {
					keys, next, err := client.Scan(ctx, cursor, prefix+"*", 1000).Result()
					if err != nil {
						b.Fatal(err)
					}
					if len(keys) > 0 {
						if err := client.Unlink(ctx, keys...).Err(); err != nil {
							b.Fatal(err)
						}
					}
					if cursor = next; cursor == 0 {
						break
					}
				}
			}
		})
		b.Run(fmt.Sprintf("entries=%d/keys-in-lua", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				fill(b, client, prefix, n)
				b.StartTimer()
				if err := client.Eval(ctx, fastapiClear, nil, prefix+"*").Err(); err != nil && err != redis.Nil {
					b.Fatal(err)
				}
			}
		})
		if left, _ := client.Keys(ctx, prefix+"*").Result(); len(left) != 0 && len(left) != n {
			b.Fatalf("%d keys left of %d", len(left), n)
		}
	}
}
