package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// benchRedis returns a client for CACHEGEN_REDIS_URL, or for a miniredis
// (whose timings mean little: the script sets the variable).
func benchRedis(b *testing.B) *redis.Client {
	b.Helper()
	url := os.Getenv("CACHEGEN_REDIS_URL")
	if url == "" {
		b.Log("CACHEGEN_REDIS_URL is not set: benchmarking against miniredis")
		url = "redis://" + miniredis.RunT(b).Addr()
	}
	opt, err := cache.ParseRedisURL(url)
	if err != nil {
		b.Fatal(err)
	}
	opt.ReadTimeout, opt.WriteTimeout = time.Second, time.Second // measure, do not time out
	client := redis.NewClient(opt)
	b.Cleanup(func() { client.Close() })
	return client
}

var prefixSeq atomic.Int64

func benchPrefix() string {
	return fmt.Sprintf("cgbench:%d.%d", time.Now().UnixNano(), prefixSeq.Add(1))
}

// env is a generated wrapper over Fake, with a primed cache.
type env struct {
	client *redis.Client
	cache  *cache.Cache
	repo   *CachedRepo
	prefix string
}

func newEnv(b *testing.B, opts ...cache.Option) *env {
	client := benchRedis(b)
	prefix := benchPrefix()
	c := cache.New(cache.NewRedisStore(client), append([]cache.Option{cache.WithPrefix(prefix)}, opts...)...)
	b.Cleanup(func() { c.Close() })
	return &env{client: client, cache: c, repo: NewCachedRepo(Fake{}, c), prefix: prefix}
}

// floorKey stores v encoded by codec under a plain key, for the baseline:
// a GET of the same bytes plus the same decode.
func (e *env) floorKey(b *testing.B, codec cache.Codec, v any) string {
	data, err := codec.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	key := e.prefix + ":floor:" + codec.Name()
	if err := e.client.Set(context.Background(), key, data, time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	return key
}

func getDecode[T any](b *testing.B, client *redis.Client, key string, unmarshal func([]byte, any) error) T {
	data, err := client.Get(context.Background(), key).Bytes()
	if err != nil {
		b.Fatal(err)
	}
	var v T
	if err := unmarshal(data, &v); err != nil {
		b.Fatal(err)
	}
	return v
}

func check(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkHit compares a hit through the generated wrapper with a raw GET
// of the same bytes plus the same decode (the floor), and with a GET plus
// encoding/json.
func BenchmarkHit(b *testing.B) {
	ctx := context.Background()
	b.Run("items=1", func(b *testing.B) {
		e := newEnv(b)
		want, _ := e.repo.One(ctx, 1)
		floor := e.floorKey(b, cache.JSON, want)
		benchHit(b, func() { _, err := e.repo.One(ctx, 1); check(b, err) },
			func() { getDecode[Item](b, e.client, floor, cache.JSON.Unmarshal) },
			func() { getDecode[Item](b, e.client, floor, json.Unmarshal) })
	})
	b.Run("items=100", func(b *testing.B) {
		e := newEnv(b)
		want, _ := e.repo.List(ctx, 100)
		floor := e.floorKey(b, cache.JSON, want)
		benchHit(b, func() { _, err := e.repo.List(ctx, 100); check(b, err) },
			func() { getDecode[[]Item](b, e.client, floor, cache.JSON.Unmarshal) },
			func() { getDecode[[]Item](b, e.client, floor, json.Unmarshal) })
	})
}

func benchHit(b *testing.B, cached, floor, encodingJSON func()) {
	for _, c := range []struct {
		name string
		f    func()
	}{{"cachegen", cached}, {"floor", floor}, {"get+encoding_json", encodingJSON}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.f()
			}
		})
	}
}

// parallelism makes RunParallel use 64 goroutines on a machine of
// GOMAXPROCS cores.
var parallelism = flag.Int("goroutines", 64, "goroutines of the parallel benchmarks")

// BenchmarkHitParallel compares hits from 64 goroutines with the floor
// under the same concurrency.
func BenchmarkHitParallel(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	want, _ := e.repo.List(ctx, 100)
	floor := e.floorKey(b, cache.JSON, want)
	e.repo.One(ctx, 1)
	floor1 := e.floorKey(b, cache.JSON, Item{})
	e.client.Set(ctx, floor1, mustMarshal(MakeItem(1)), time.Hour)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"items=1/cachegen", func() { _, err := e.repo.One(ctx, 1); check(b, err) }},
		{"items=1/floor", func() { getDecode[Item](b, e.client, floor1, cache.JSON.Unmarshal) }},
		{"items=100/cachegen", func() { _, err := e.repo.List(ctx, 100); check(b, err) }},
		{"items=100/floor", func() { getDecode[[]Item](b, e.client, floor, cache.JSON.Unmarshal) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(max(1, *parallelism/runtimeProcs()))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.f()
				}
			})
		})
	}
}

func mustMarshal(v any) []byte {
	data, err := cache.JSON.Marshal(v)
	if err != nil {
		panic(err)
	}
	return data
}

// BenchmarkMiss compares a miss (read, re-read, load, encode, store) with
// the repository call alone.
func BenchmarkMiss(b *testing.B) {
	ctx := context.Background()
	b.Run("repository", func(b *testing.B) {
		b.ReportAllocs()
		var id int64
		for b.Loop() {
			id++
			Fake{}.One(ctx, id)
		}
	})
	b.Run("cachegen", func(b *testing.B) {
		e := newEnv(b)
		e.repo.One(ctx, 0) // create the version key
		b.ReportAllocs()
		var id int64
		for b.Loop() {
			id++ // a new key each time: always a miss
			_, err := e.repo.One(ctx, id)
			check(b, err)
		}
	})
}
