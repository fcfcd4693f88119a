package signatures

import (
	"context"
	"fmt"
	"net/netip"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

// fake implements Store, counting the calls of every method.
type fake struct{ calls map[string]*atomic.Int64 }

func (f *fake) hit(name string) {
	if f.calls[name] == nil {
		f.calls[name] = new(atomic.Int64)
	}
	f.calls[name].Add(1)
}

func (f *fake) n(name string) int64 {
	if f.calls[name] == nil {
		return 0
	}
	return f.calls[name].Load()
}

var at = time.Date(2024, 5, 1, 12, 0, 0, 42, time.UTC)

func (f *fake) Ping(ctx context.Context) error { f.hit("Ping"); return nil }
func (f *fake) Close() error                   { f.hit("Close"); return nil }
func (f *fake) Page(ctx context.Context, q Query, cursor string) (Page[Item], int, error) {
	f.hit("Page")
	it := Item{ID: 1, Name: cursor, At: at, Attrs: map[string]string{"a": "b"}, Version: Version{1, 2}, Parent: &Item{ID: 2}}
	return Page[Item]{Items: []Item{it}, Next: "n"}, 7, nil
}
func (f *fake) Count(ctx context.Context) int { f.hit("Count"); return 3 }
func (f *fake) Names(prefix string, ids ...int64) []string {
	f.hit("Names")
	out := []string{}
	for _, id := range ids {
		out = append(out, fmt.Sprint(prefix, id))
	}
	return out
}
func (f *fake) Owner(ctx context.Context, id int64, log func(string)) (string, error) {
	f.hit("Owner")
	return fmt.Sprint("owner", id), nil
}
func (f *fake) Pair(ctx context.Context, a int64, b uint8) (Item, *Item) {
	f.hit("Pair")
	return Item{ID: a}, &Item{ID: int64(b)}
}
func (f *fake) Clash(ctx context.Context, c, next, ctx2, cache, r, k, err string, v Level, e fmt.Stringer) (map[string][]int, error) {
	f.hit("Clash")
	return map[string][]int{c + next + ctx2 + cache + r + k + err + v.String(): {1}}, nil
}
func (f *fake) Lookup(ctx context.Context, addr netip.Addr, d time.Duration, at time.Time, fl float32, z complex64, ok bool) ([]netip.Addr, error) {
	f.hit("Lookup")
	return []netip.Addr{addr}, nil
}
func (f *fake) Put(ctx context.Context, it Item) error { f.hit("Put"); return nil }
func (f *fake) Reset()                                 { f.hit("Reset") }
func (f *fake) Rename(id int64, name string) (Item, bool, error) {
	f.hit("Rename")
	return Item{}, true, nil
}
func (f *fake) lower(ctx context.Context) error { f.hit("lower"); return nil }

func TestEveryShapeIsCachedAndRoundTrips(t *testing.T) {
	ctx := context.Background()
	f := &fake{calls: map[string]*atomic.Int64{}}
	s := NewCachedStore(f, cache.New(cache.NewMemoryStore()))
	owner := "ann"
	q := Query{Statuses: []Status{"a"}, Since: at, Owner: &owner, Labels: map[string]int{"x": 1, "y": 2}, Raw: []byte{1}}
	addr := netip.MustParseAddr("10.0.0.1")

	for range 2 {
		p, n, err := s.Page(ctx, q, "c1")
		if err != nil || n != 7 || len(p.Items) != 1 || p.Items[0].Version != (Version{1, 2}) || !p.Items[0].At.Equal(at) || p.Items[0].Parent.ID != 2 {
			t.Fatalf("Page: %+v, %d, %v", p, n, err)
		}
		if got := s.Count(ctx); got != 3 {
			t.Fatalf("Count: %d", got)
		}
		if got := s.Names("n", 1, 2); !reflect.DeepEqual(got, []string{"n1", "n2"}) {
			t.Fatalf("Names: %v", got)
		}
		if got, _ := s.Owner(ctx, 5, nil); got != "owner5" {
			t.Fatalf("Owner: %q", got)
		}
		if a, b := s.Pair(ctx, 4, 9); a.ID != 4 || b.ID != 9 {
			t.Fatalf("Pair: %+v %+v", a, b)
		}
		if m, _ := s.Clash(ctx, "c", "n", "x", "ca", "r", "k", "e", 3, Level(1)); len(m["cnxcarkeL3"]) != 1 {
			t.Fatalf("Clash: %v", m)
		}
		if got, _ := s.Lookup(ctx, addr, time.Second, at, 1.5, 2i, true); len(got) != 1 || got[0] != addr {
			t.Fatalf("Lookup: %v", got)
		}
	}
	for _, m := range []string{"Page", "Count", "Names", "Owner", "Pair", "Clash", "Lookup"} {
		if got := f.n(m); got != 1 {
			t.Errorf("%s reached the repository %d times over two calls, want 1", m, got)
		}
	}
	// Different keys are different entries.
	s.Names("n", 1)
	s.Names("n")
	s.Owner(ctx, 6, nil)
	s.Owner(ctx, 5, func(string) {}) // log is not part of the key
	if f.n("Names") != 3 || f.n("Owner") != 2 {
		t.Fatalf("Names %d (want 3), Owner %d (want 2)", f.n("Names"), f.n("Owner"))
	}

	// Reset, with no namespace=, invalidates every namespace cached here.
	s.Reset()
	s.Count(ctx)
	s.Owner(ctx, 5, nil)
	s.Lookup(ctx, addr, time.Second, at, 1.5, 2i, true)
	if f.n("Count") != 2 || f.n("Owner") != 3 || f.n("Lookup") != 2 {
		t.Fatalf("after Reset: Count %d, Owner %d, Lookup %d; want 2, 3, 2", f.n("Count"), f.n("Owner"), f.n("Lookup"))
	}
	// Rename invalidates owners and addrs only.
	s.Rename(1, "x")
	s.Count(ctx)
	s.Owner(ctx, 5, nil)
	if f.n("Count") != 2 || f.n("Owner") != 4 {
		t.Fatalf("after Rename: Count %d, Owner %d; want 2, 4", f.n("Count"), f.n("Owner"))
	}
	s.Ping(ctx)
	s.lower(ctx)
	s.Close()
	if f.n("Ping") != 1 || f.n("lower") != 1 || f.n("Close") != 1 {
		t.Fatal("pass-through methods were not called")
	}
}
