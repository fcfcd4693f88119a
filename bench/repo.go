// Package bench holds the benchmarks of the hit, miss, parallel and
// invalidation paths through a generated wrapper, each beside its baseline
// in the same run, and of per-entity namespaces (a template's hit, the hit
// rate under writes). scripts/benchmarks.sh runs them and writes
// docs/benchmarks.md.
package bench

import (
	"context"
	"fmt"
	"time"
)

// Item is a small struct, about 150 bytes of JSON.
type Item struct {
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

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repo is the benchmarked interface.
type Repo interface {
	//cache:expire=1h namespace=bench
	One(ctx context.Context, id int64) (Item, error)
	//cache:expire=1h namespace=bench
	List(ctx context.Context, n int) ([]Item, error)
	//cache:expire=1h namespace=bench
	Page(ctx context.Context, page int64) ([]Item, error)
}

// Fake is an in-memory Repo, WholeItems and EntityItems: the "database"
// costs nothing, so a benchmark of a miss shows the cache's own overhead.
type Fake struct{}

// MakeItem returns item id.
func MakeItem(id int64) Item {
	return Item{
		ID: id, SKU: fmt.Sprintf("SKU-%06d", id), Name: fmt.Sprintf("Item number %d", id),
		Price: float64(id%1000) + 0.99, Stock: int(id % 50), Active: id%3 != 0,
		Tags:      []string{"alpha", "beta"},
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Minute),
	}
}

// One implements Repo.
func (Fake) One(ctx context.Context, id int64) (Item, error) { return MakeItem(id), nil }

// List implements Repo.
func (Fake) List(ctx context.Context, n int) ([]Item, error) {
	out := make([]Item, n)
	for i := range out {
		out[i] = MakeItem(int64(i + 1))
	}
	return out, nil
}

// Page implements Repo: 100 items, a new key for each page.
func (Fake) Page(ctx context.Context, page int64) ([]Item, error) {
	out := make([]Item, 100)
	for i := range out {
		out[i] = MakeItem(page*100 + int64(i) + 1)
	}
	return out, nil
}
