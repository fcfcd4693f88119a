package bench

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
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
	// Measure, do not time out: 64 goroutines queue for 20 connections, and
	// a shared machine stalls at times (a floor read timed out at 1s).
	opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	client := redis.NewClient(opt)
	b.Cleanup(func() { client.Close() })
	return client
}

var prefixSeq atomic.Int64

func benchPrefix() string {
	return fmt.Sprintf("cgbench:%d.%d", time.Now().UnixNano(), prefixSeq.Add(1))
}

// measureTimeout is a store timeout long enough that a loaded machine's
// slow round trip, or wait for a pooled connection (up to the client's
// PoolTimeout), is measured, not turned into a call to the repository: the
// default 150ms made the parallel benchmarks measure the repository behind
// an open breaker on a machine with load 10 (171,862 faults in one run).
var measureTimeout = cache.WithStoreTimeout(10 * time.Second)

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
	// Like the client's timeouts: measure, do not time out. A read that
	// timed out would go to the (in-memory, fast) repository instead, and
	// a few would open the circuit breaker: the figures would be bypasses.
	var bypasses atomic.Int64
	count := func(_ context.Context, e cache.Event) {
		if e.Kind == cache.EventBypass {
			bypasses.Add(1)
		}
	}
	opts = append([]cache.Option{cache.WithPrefix(prefix), measureTimeout, cache.WithObserver(count)}, opts...)
	c := cache.New(cache.NewRedisStore(client), opts...)
	b.Cleanup(func() {
		c.Close()
		if n := bypasses.Load(); n > 0 {
			b.Logf("%d reads bypassed the cache after store faults: the figures include them", n)
		}
	})
	return &env{client: client, cache: c, repo: NewCachedRepo(Fake{}, c), prefix: prefix}
}

// floorKey stores v encoded by codec under a plain key, for the baseline:
// a GET of the same bytes plus the same decode.
func (e *env) floorKey(b *testing.B, name string, v any) string {
	data, err := cache.JSON.Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	key := e.prefix + ":floor:" + name
	if err := e.client.Set(context.Background(), key, data, time.Hour).Err(); err != nil {
		b.Fatal(err)
	}
	return key
}

// getDecode is the floor: GET, then decode. Like check, it panics on an
// error, which is safe from RunParallel's goroutines.
func getDecode[T any](client *redis.Client, key string, unmarshal func([]byte, any) error) T {
	data, err := client.Get(context.Background(), key).Bytes()
	check(err)
	var v T
	check(unmarshal(data, &v))
	return v
}

func check(err error) {
	if err != nil {
		panic(err)
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
		floor := e.floorKey(b, "one", want)
		benchHit(b, func() { _, err := e.repo.One(ctx, 1); check(err) },
			func() { getDecode[Item](e.client, floor, cache.JSON.Unmarshal) },
			func() { getDecode[Item](e.client, floor, json.Unmarshal) })
	})
	b.Run("items=100", func(b *testing.B) {
		e := newEnv(b)
		want, _ := e.repo.List(ctx, 100)
		floor := e.floorKey(b, "list", want)
		benchHit(b, func() { _, err := e.repo.List(ctx, 100); check(err) },
			func() { getDecode[[]Item](e.client, floor, cache.JSON.Unmarshal) },
			func() { getDecode[[]Item](e.client, floor, json.Unmarshal) })
	})
}

// benchHit measures each of cached, floor and encodingJSON alone (time
// and allocations), then cached and floor paired: each iteration makes
// both, in alternating order, so that both see the same moments of a loaded
// machine; the paired run reports the median time of each and their ratio
// (its ns/op is the time of the pair).
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
	b.Run("paired", func(b *testing.B) {
		fs := [2]func(){cached, floor}
		var lat [2][]time.Duration
		n := 0
		for b.Loop() {
			for k := range 2 {
				j := (n + k) % 2 // cachegen first on even iterations, the floor first on odd ones
				start := time.Now()
				fs[j]()
				lat[j] = append(lat[j], time.Since(start))
			}
			n++
		}
		c, f := median(lat[0]), median(lat[1])
		b.ReportMetric(float64(c.Nanoseconds()), "cachegen-p50-ns")
		b.ReportMetric(float64(f.Nanoseconds()), "floor-p50-ns")
		b.ReportMetric(float64(c)/float64(f), "cachegen/floor")
	})
}

// parallelism makes RunParallel use 64 goroutines on a machine of
// GOMAXPROCS cores.
var parallelism = flag.Int("goroutines", 64, "goroutines of the parallel benchmarks")

// BenchmarkHitParallel compares hits of one hot key from 64 goroutines,
// which share their reads of Redis, with the same hits without that
// (cache.WithReadCoalescing(false): one read per call, as before) and with
// the floor under the same concurrency.
func BenchmarkHitParallel(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	u := newEnv(b, cache.WithReadCoalescing(false))
	want, _ := e.repo.List(ctx, 100)
	floor := e.floorKey(b, "list", want)
	one, _ := e.repo.One(ctx, 1)
	floor1 := e.floorKey(b, "one", one)
	u.repo.List(ctx, 100)
	u.repo.One(ctx, 1)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"items=1/cachegen", func() { _, err := e.repo.One(ctx, 1); check(err) }},
		{"items=1/uncoalesced", func() { _, err := u.repo.One(ctx, 1); check(err) }},
		{"items=1/floor", func() { getDecode[Item](e.client, floor1, cache.JSON.Unmarshal) }},
		{"items=100/cachegen", func() { _, err := e.repo.List(ctx, 100); check(err) }},
		{"items=100/uncoalesced", func() { _, err := u.repo.List(ctx, 100); check(err) }},
		{"items=100/floor", func() { getDecode[[]Item](e.client, floor, cache.JSON.Unmarshal) }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(max(1, *parallelism/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c.f()
				}
			})
		})
	}
}

// BenchmarkMiss compares a miss (read, load, encode; the store follows
// after the call returns) with the repository call alone, and with a
// hand-written miss: GET, load, encoding/json, SET.
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
	b.Run("get+set", func(b *testing.B) {
		client := benchRedis(b)
		prefix := benchPrefix()
		b.ReportAllocs()
		var id int64
		for b.Loop() {
			id++
			key := prefix + ":" + strconv.FormatInt(id, 10)
			if err := client.Get(ctx, key).Err(); err != redis.Nil {
				panic(fmt.Sprintf("GET of a new key: %v, want redis.Nil", err))
			}
			item, err := Fake{}.One(ctx, id)
			check(err)
			data, err := json.Marshal(item)
			check(err)
			check(client.Set(ctx, key, data, time.Hour).Err())
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
			check(err)
		}
	})
}

// BenchmarkDecode compares the default codec's decode of a 100-item list
// with encoding/json's, without Redis.
func BenchmarkDecode(b *testing.B) {
	items, _ := Fake{}.List(context.Background(), 100)
	data, err := json.Marshal(items)
	check(err)
	b.Logf("%d bytes of JSON", len(data))
	for _, c := range []struct {
		name      string
		unmarshal func([]byte, any) error
	}{{"cachegen_json", cache.JSON.Unmarshal}, {"encoding_json", json.Unmarshal}} {
		b.Run("items=100/"+c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				var v []Item
				check(c.unmarshal(data, &v))
			}
		})
	}
}
