package textkeys

import (
	"context"
	"encoding"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"regexp"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

type fake struct{ calls int }

func (f *fake) ByID(ctx context.Context, id UUID) (string, error) { f.calls++; return "id", nil }
func (f *fake) ByAddr(ctx context.Context, addr netip.Addr, ip net.IP) (string, error) {
	f.calls++
	return "addr", nil
}
func (f *fake) ByNode(ctx context.Context, n *Node, ids []UUID) (string, error) {
	f.calls++
	return "node", nil
}
func (f *fake) ByNumber(ctx context.Context, n *big.Int) (string, error) { f.calls++; return "n", nil }

func TestKeysAreText(t *testing.T) {
	ctx := context.Background()
	var keys []string
	identity := regexp.MustCompile(`@[0-9a-f]{12}`) // the entry identity after the method name
	observe := func(_ context.Context, e cache.Event) { keys = append(keys, identity.ReplaceAllString(e.Key, "")) }
	f := &fake{}
	l := NewCachedLookups(f, cache.New(cache.NewMemoryStore(), cache.WithPrefix("tk"), cache.WithObserver(observe)))
	id := UUID{0x67, 0xa8, 0x01, 0x02, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14}
	addr := netip.MustParseAddr("10.0.0.1")
	for range 2 {
		l.ByID(ctx, id)
		l.ByAddr(ctx, addr, net.ParseIP("::1"))
		l.ByNode(ctx, &Node{ID: id, Addr: addr}, []UUID{id})
		l.ByNode(ctx, nil, nil)
		l.ByNumber(ctx, big.NewInt(42))
		l.ByNumber(ctx, nil)
	}
	if f.calls != 6 {
		t.Fatalf("%d repository calls over two rounds of 6 distinct calls, want 6", f.calls)
	}
	want := []string{
		"tk:{nodes}:Lookups.ByID:67a80102-0304-0506-0708-090a0b0c0d0e",
		"tk:{nodes}:Lookups.ByAddr:10.0.0.1:%3A%3A1",
		"tk:{nodes}:Lookups.ByNode:&(67a80102-0304-0506-0708-090a0b0c0d0e,10.0.0.1):[67a80102-0304-0506-0708-090a0b0c0d0e]",
		"tk:{nodes}:Lookups.ByNode:~:~",
		"tk:{nodes}:Lookups.ByNumber:42",
		"tk:{nodes}:Lookups.ByNumber:~",
	}
	for i, w := range want {
		if keys[i] != w {
			t.Errorf("key %d: %q, want %q", i, keys[i], w)
		}
	}
}

func (f *fake) ByTarget(ctx context.Context, t Target) (string, error) {
	f.calls++
	return fmt.Sprint(t.Addr, "/", t.Port), nil
}

func (f *fake) ByStamp(ctx context.Context, s Stamp, m MaybeStamp) (string, error) {
	f.calls++
	at := "none"
	if m.Time != nil {
		at = m.Time.UTC().String()
	}
	return fmt.Sprint(s.Time.UTC(), "/", s.Seq, " ", at, "/", m.N), nil
}

func (f *fake) ByText(ctx context.Context, t encoding.TextMarshaler, s fmt.Stringer) (string, error) {
	f.calls++
	return fmt.Sprintf("%T %T", t, s), nil
}

// TestEmbeddedTextMarshalers: a struct embedding a text marshaler (or a
// pointer to one, nil) is keyed by all its fields, not by the embedded
// value's text; an interface holding a nil pointer whose methods cannot be
// called reaches the repository.
func TestEmbeddedTextMarshalers(t *testing.T) {
	ctx := context.Background()
	f := &fake{}
	l := NewCachedLookups(f, cache.New(cache.NewMemoryStore(), cache.WithPrefix("tk2")))
	a := netip.MustParseAddr("10.0.0.1")
	now := time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
	for range 2 {
		for _, tg := range []Target{{a, 80}, {a, 443}} {
			got, err := l.ByTarget(ctx, tg)
			want, _ := (&fake{}).ByTarget(ctx, tg)
			if err != nil || got != want {
				t.Errorf("ByTarget(%v): %q, %v; want %q", tg, got, err, want)
			}
		}
		for _, st := range []Stamp{{now, 1}, {now, 2}} {
			for _, ms := range []MaybeStamp{{nil, 1}, {&now, 1}, {&now, 2}} {
				got, err := l.ByStamp(ctx, st, ms)
				want, _ := (&fake{}).ByStamp(ctx, st, ms)
				if err != nil || got != want {
					t.Errorf("ByStamp(%v, %v): %q, %v; want %q", st, ms, got, err, want)
				}
			}
		}
		var nilAddr *netip.Addr
		if got, err := l.ByText(ctx, nilAddr, nilAddr); err != nil || got != "*netip.Addr *netip.Addr" {
			t.Errorf("ByText(nil *netip.Addr): %q, %v", got, err)
		}
		time.Sleep(20 * time.Millisecond) // the entries are stored after the calls return
	}
}
