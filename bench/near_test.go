package bench

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

// BenchmarkNearHit compares hits through the generated wrapper without the
// near cache, with it (validated: a read of the version keys, then a copy),
// and with it tracked (no round trip once the versions are known), beside
// the floor (GET + the same decode) and GET + encoding/json. Tracked needs
// a real Redis (CACHEGEN_REDIS_URL): miniredis has no client-side caching.
func BenchmarkNearHit(b *testing.B) {
	ctx := context.Background()
	for _, items := range []int{1, 100} {
		b.Run(itemsName(items), func(b *testing.B) {
			plain := newEnv(b, cache.WithStoreTimeout(time.Second))
			near := newEnv(b, cache.WithStoreTimeout(time.Second), cache.WithNearCache(cache.NearCache{}))
			tracked := newEnv(b, cache.WithStoreTimeout(time.Second), cache.WithNearCache(cache.NearCache{Tracked: true}))
			read := func(e *env) func() {
				if items == 1 {
					return func() { _, err := e.repo.One(ctx, 1); check(err) }
				}
				return func() { _, err := e.repo.List(ctx, items); check(err) }
			}
			want, _ := plain.repo.List(ctx, items)
			floor := plain.floorKey(b, "list", want)
			decode := func(unmarshal func([]byte, any) error) func() {
				if items == 1 {
					floor := plain.floorKey(b, "one", want[0])
					return func() { getDecode[Item](plain.client, floor, unmarshal) }
				}
				return func() { getDecode[[]Item](plain.client, floor, unmarshal) }
			}
			cases := []struct {
				name string
				f    func()
			}{
				{"cachegen", read(plain)},
				{"near", read(near)},
				{"near_tracked", read(tracked)},
				{"floor", decode(cache.JSON.Unmarshal)},
				{"get+encoding_json", decode(json.Unmarshal)},
			}
			for start := time.Now(); !tracked.cache.NearStats().Tracking && time.Since(start) < 3*time.Second; {
				time.Sleep(10 * time.Millisecond)
			}
			for _, c := range cases {
				c.f() // warm: fill the entry, the near cache, the known versions
				c.f()
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						c.f()
					}
					switch c.name {
					case "near":
						// What the near cache holds: its entry's encoded size.
						b.ReportMetric(float64(near.cache.NearStats().Bytes), "near-bytes")
					case "near_tracked":
						if !tracked.cache.NearStats().Tracking {
							b.Log("the tracking did not start (miniredis?): tracked hits read the versions")
						}
					}
				})
			}
		})
	}
}

func itemsName(n int) string {
	if n == 1 {
		return "items=1"
	}
	return "items=100"
}
