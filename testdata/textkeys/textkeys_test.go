package textkeys

import (
	"context"
	"math/big"
	"net"
	"net/netip"
	"regexp"
	"testing"

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
