// Package peers compares cachegen with other Go caches over the same Redis,
// side by side in one run: hits of 1 and 100 items, 64 goroutines on one hot
// key, the miss, the bytes of a 100-item entry, and a stale-read race
// harness over each. It is a module of its own, so that the peers never
// enter cachegen's go.mod; scripts/benchmarks.sh runs it and writes the
// results into docs/benchmarks.md.
//
// The benchmarks and the harness need a Redis at CACHEGEN_REDIS_URL:
//
//	cd bench/peers
//	CACHEGEN_REDIS_URL=redis://127.0.0.1:6379/0 go test -run '^$' -bench . # the benchmarks
//	CACHEGEN_REDIS_URL=redis://127.0.0.1:6379/0 go test -run StaleReads -v  # the race harness; -short: a few seconds
package peers

import (
	"context"
	"fmt"
	"time"
)

// Book is the cached value: 9 fields, about 150 bytes of JSON, the Item of
// ../ (bench).
type Book struct {
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

//go:generate go tool cachegen

// Repo is the benchmarked interface.
type Repo interface {
	//cache:expire=1h namespace=books
	One(ctx context.Context, id int64) (Book, error)
	//cache:expire=1h namespace=books
	List(ctx context.Context, n int) ([]Book, error)
}

// Fake is an in-memory Repo: the "database" costs nothing, so a miss shows
// the cache's own cost.
type Fake struct{}

// MakeBook returns book id.
func MakeBook(id int64) Book {
	return Book{
		ID: id, SKU: fmt.Sprintf("SKU-%06d", id), Name: fmt.Sprintf("Item number %d", id),
		Price: float64(id%1000) + 0.99, Stock: int(id % 50), Active: id%3 != 0,
		Tags:      []string{"alpha", "beta"},
		CreatedAt: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Minute),
	}
}

// One implements Repo.
func (Fake) One(ctx context.Context, id int64) (Book, error) { return MakeBook(id), nil }

// List implements Repo.
func (Fake) List(ctx context.Context, n int) ([]Book, error) {
	out := make([]Book, n)
	for i := range out {
		out[i] = MakeBook(int64(i + 1))
	}
	return out, nil
}
