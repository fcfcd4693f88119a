package bench

import (
	"context"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

// SetEntries implements cache.EntrySetter, so that a batch's entries are
// stored in one round trip, as through the store it wraps.
func (r *keyRecorder) SetEntries(ctx context.Context, keys []string, values [][]byte, ttls []time.Duration) error {
	r.record(keys...)
	if es, ok := r.Store.(cache.EntrySetter); ok {
		return es.SetEntries(ctx, keys, values, ttls)
	}
	for i, k := range keys {
		if err := r.Store.Set(ctx, k, values[i], ttls[i]); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkBatch compares a batch read of 100 ids of which 90 are cached
// (a write invalidated the 10 others before each call, outside the timer;
// they are loaded by one repository call) with 100 single cached reads of
// the same items, and with one uncached batch call (the in-memory
// repository alone: what the cache costs on top of a repository that costs
// nothing).
func BenchmarkBatch(b *testing.B) {
	ctx := context.Background()
	e := newEntityEnv(b)
	fake := &BatchFake{}
	repo := NewCachedBatchItems(fake, e.cache)
	cached := make([]int64, 100)
	for i := range cached {
		cached[i] = int64(i + 1)
	}
	if _, err := repo.GetMany(ctx, cached); err != nil {
		b.Fatal(err)
	}
	// The entries are stored after the call returns: wait until a batch of
	// them is served without calling the repository.
	for deadline := time.Now().Add(5 * time.Second); ; {
		calls := fake.Calls.Load()
		if _, err := repo.GetMany(ctx, cached); err != nil {
			b.Fatal(err)
		}
		if fake.Calls.Load() == calls {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the 100 entries were not stored within 5s")
		}
	}
	b.Run("batch=100/cached=90", func(b *testing.B) {
		b.ReportAllocs()
		fake.Calls.Store(0)
		fake.Rows.Store(0)
		written := make([]string, 10)
		n := 0
		for b.Loop() {
			b.StopTimer()
			for j := range written {
				written[j] = cache.Member("item", cached[(n*10+j)%100])
			}
			n++
			if err := e.cache.Invalidate(ctx, written...); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			got, err := repo.GetMany(ctx, cached)
			if err != nil || len(got) != 100 {
				b.Fatalf("%d items, %v", len(got), err)
			}
		}
		b.ReportMetric(float64(fake.Calls.Load())/float64(b.N), "repo-calls/op")
		b.ReportMetric(float64(fake.Rows.Load())/float64(b.N), "repo-rows/op")
	})
	b.Run("single=100/cached=100", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for j := range int64(100) {
				if _, err := repo.Get(ctx, j+1); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("uncached-batch=100", func(b *testing.B) {
		b.ReportAllocs()
		ids := make([]int64, 100)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		for b.Loop() {
			if _, err := fake.GetMany(ctx, ids); err != nil {
				b.Fatal(err)
			}
		}
	})
}
