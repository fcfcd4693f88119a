package refresh

import (
	"context"
	"sync"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

// fakeRepo counts its reads.
type fakeRepo struct {
	mu    sync.Mutex
	cents int64
	loads int
}

func (f *fakeRepo) GetPrice(_ context.Context, symbol string) (Price, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads++
	return Price{Symbol: symbol, Cents: f.cents}, nil
}

func (f *fakeRepo) SetPrice(_ context.Context, p Price) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cents = p.Cents
	return nil
}

// TestGeneratedRefresh: the wrapper of a read with refresh= caches as
// before; hits far from the entry's expiry reload nothing (the runtime's
// tests cover the refresh itself).
func TestGeneratedRefresh(t *testing.T) {
	ctx := context.Background()
	store := cache.NewMemoryStore()
	c := cache.New(store, cache.WithPrefix("refreshcase"))
	f := &fakeRepo{cents: 100}
	repo := NewCachedPriceRepository(f, c)
	for range 3 {
		p, err := repo.GetPrice(ctx, "ACME")
		if err != nil || p.Cents != 100 {
			t.Fatalf("%+v, %v", p, err)
		}
	}
	if f.loads != 1 {
		t.Fatalf("%d loads, want 1", f.loads)
	}
}
