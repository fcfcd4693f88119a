package bench

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

// BenchmarkCopy compares the generated deep copy of a 100-item result,
// which a near cache hands each caller, with decoding the same entry with
// the default codec, which it does for a type that has no copy.
func BenchmarkCopy(b *testing.B) {
	items, _ := Fake{}.List(context.Background(), 100)
	data, err := cache.JSON.Marshal(items)
	check(err)
	b.Run("items=100/generated_copy", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			repoCopySliceItem(items)
		}
	})
	b.Run("items=100/cachegen_json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v []Item
			check(cache.JSON.Unmarshal(data, &v))
		}
	})
}
