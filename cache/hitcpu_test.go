package cache

import (
	"context"
	"testing"
	"time"
)

// hitItem is the shape of the benchmarks' Item (bench/items.go).
type hitItem struct {
	ID        int64             `json:"id"`
	SKU       string            `json:"sku"`
	Name      string            `json:"name"`
	Price     float64           `json:"price"`
	Stock     int               `json:"stock"`
	Active    bool              `json:"active"`
	Tags      []string          `json:"tags"`
	Attrs     map[string]string `json:"attrs,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
}

type hitRepo interface {
	One(context.Context, int64) (hitItem, error)
}

// hitFetch returns a call of Fetch for item 1 of a method of c, as
// generated code makes it, the method, and the item its load returns.
func hitFetch(b *testing.B, c *Cache) (fetch func(), m *Method, item hitItem) {
	m = Read[hitRepo, hitItem](c, "hitRepo.One", time.Hour, "items")
	item = hitItem{ID: 1, SKU: "sku-1", Name: "item 1", Price: 9.5, Stock: 3, Active: true,
		Tags: []string{"a", "b"}, CreatedAt: time.Date(2026, 12, 7, 2, 30, 0, 0, time.UTC)}
	return func() {
		k := m.Key()
		k.Int(1)
		v, err := Fetch(context.Background(), m, k, func(context.Context) (hitItem, error) { return item, nil })
		if err != nil || v.ID != 1 {
			b.Fatal(v, err)
		}
	}, m, item
}

// BenchmarkHitCPU measures what a 1-item hit costs in the process, without
// a network: Fetch over the memory store, beside the floor over the same
// store (a Get of the entry's bytes and the same decode). The difference
// is the cache's own work: the key, the read's coalescing, the timeout,
// the breaker, the entry's header and sidecar.
func BenchmarkHitCPU(b *testing.B) {
	ctx := context.Background()
	store := NewMemoryStore()
	c := New(store, WithPrefix("cpu"))
	defer c.Close()
	get, _, item := hitFetch(b, c)
	get()
	settle(b, c) // the miss stores its entry after returning
	data, err := JSON.Marshal(item)
	if err != nil {
		b.Fatal(err)
	}
	if err := store.Set(ctx, "floor", data, 0); err != nil {
		b.Fatal(err)
	}
	b.Run("cachegen", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			get()
		}
	})
	b.Run("floor", func(b *testing.B) {
		b.ReportAllocs()
		keys := []string{"floor"}
		for i := 0; i < b.N; i++ {
			vals, err := store.Get(ctx, keys)
			if err != nil {
				b.Fatal(err)
			}
			var v hitItem
			if err := JSON.Unmarshal(vals[0], &v); err != nil || v.ID != 1 {
				b.Fatal(v, err)
			}
		}
	})
}
