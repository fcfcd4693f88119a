// Package signatures covers the method shapes cachegen wraps: several
// results, no error, no context, variadic and unnamed parameters, parameter
// names that clash with generated ones, every kind of key, imported and
// generic types, and embedded interfaces.
package signatures

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"time"
)

// Item is a cached value.
type Item struct {
	ID      int64             `json:"id"`
	Name    string            `json:"name"`
	At      time.Time         `json:"at"`
	Attrs   map[string]string `json:"attrs,omitempty"`
	Parent  *Item             `json:"parent,omitempty"`
	Version Version           `json:"version"`
}

// Version marshals itself as text.
type Version struct{ major, minor int }

// MarshalText implements encoding.TextMarshaler.
func (v Version) MarshalText() ([]byte, error) {
	return fmt.Appendf(nil, "%d.%d", v.major, v.minor), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (v *Version) UnmarshalText(b []byte) error {
	_, err := fmt.Sscanf(string(b), "%d.%d", &v.major, &v.minor)
	return err
}

// Page is a generic page of results.
type Page[T any] struct {
	Items []T `json:"items"`
	Next  string
}

// Status is a named string.
type Status string

// Level is a Stringer with an integer underlying type.
type Level int

func (l Level) String() string { return fmt.Sprintf("L%d", int(l)) }

// Query is a struct key with nested kinds.
type Query struct {
	Statuses []Status
	Since    time.Time
	Owner    *string
	Labels   map[string]int
	Box      [2]float64
	Raw      []byte
	Inner    struct{ On bool }
}

// Pinger is embedded.
type Pinger interface {
	Ping(ctx context.Context) error
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Store has every method shape.
type Store interface {
	Pinger
	io.Closer

	//cache:expire=90s namespace=items
	Page(ctx context.Context, q Query, cursor string) (Page[Item], int, error)

	//cache:expire=60 namespace=items
	Count(ctx context.Context) int

	//cache:expire=10m namespace=items
	Names(prefix string, ids ...int64) []string

	//cache:expire=2h namespace=items,owners key=id
	Owner(ctx context.Context, id int64, log func(string)) (string, error)

	//cache:expire=500ms namespace=items
	Pair(context.Context, int64, uint8) (Item, *Item)

	//cache:expire=1h30m namespace=items
	Clash(ctx context.Context, c, next, ctx2, cache, r, k, err string, v Level, e fmt.Stringer) (map[string][]int, error)

	//cache:expire=300 namespace=addrs
	Lookup(ctx context.Context, addr netip.Addr, d time.Duration, at time.Time, f float32, z complex64, ok bool) ([]netip.Addr, error)

	//cache:invalidate namespace=items
	Put(ctx context.Context, it Item) error

	//cache:invalidate
	Reset()

	//cache:invalidate namespace=owners,addrs
	Rename(id int64, name string) (Item, bool, error)

	lower(ctx context.Context) error
}
