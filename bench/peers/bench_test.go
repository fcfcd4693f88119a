package peers

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkPeerHit compares hits of 1 and 100 Books; the 100-Book rows
// report the entry's size (B/entry, redis-B/entry).
func BenchmarkPeerHit(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1, 100} {
		for _, m := range subjects() {
			b.Run(fmt.Sprintf("items=%d/%s", n, m.name), func(b *testing.B) {
				s := m.new(b)
				read := func() { _, err := s.one(ctx, 1); check(err) }
				if n == 100 {
					read = func() {
						bs, err := s.list(ctx)
						check(err)
						if len(bs) != 100 {
							panic(fmt.Sprintf("%d books", len(bs)))
						}
					}
				}
				read() // the miss that stores the entry
				read() // the first hit, which fills a local tier
				b.ReportAllocs()
				for b.Loop() {
					read()
				}
				if n == 100 {
					entrySize(b, s.listKey())
				}
			})
		}
	}
}

var goroutines = flag.Int("goroutines", 64, "goroutines of BenchmarkPeerHotKey")

// BenchmarkPeerHotKey runs hits of one Book, the same key, from 64
// goroutines.
func BenchmarkPeerHotKey(b *testing.B) {
	ctx := context.Background()
	for _, m := range subjects() {
		b.Run("items=1/"+m.name, func(b *testing.B) {
			s := m.new(b)
			s.one(ctx, 1)
			s.one(ctx, 1)
			b.ReportAllocs()
			b.SetParallelism(max(1, *goroutines/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_, err := s.one(ctx, 1)
					check(err)
				}
			})
		})
	}
}

// BenchmarkPeerMiss compares misses of one Book, a new key each time, with
// the in-memory repository alone: the difference is the cache's own cost.
func BenchmarkPeerMiss(b *testing.B) {
	ctx := context.Background()
	b.Run("items=1/repository", func(b *testing.B) {
		b.ReportAllocs()
		var id int64
		for b.Loop() {
			id++
			Fake{}.One(ctx, id)
		}
	})
	for _, m := range subjects() {
		b.Run("items=1/"+m.name, func(b *testing.B) {
			s := m.new(b)
			s.one(ctx, 0) // creates what a first read creates (cachegen's version key)
			var id atomic.Int64
			b.ReportAllocs()
			for b.Loop() {
				_, err := s.one(ctx, id.Add(1)) // a new key: always a miss
				check(err)
			}
		})
	}
}
