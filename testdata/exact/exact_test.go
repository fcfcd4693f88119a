package exact

import (
	"context"
	"encoding/json"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

type fakeRepo struct {
	accounts map[UUID]Account
	loads    int
}

func (f *fakeRepo) GetAccount(ctx context.Context, id UUID) (Account, error) {
	f.loads++
	return f.accounts[id], nil
}

func (f *fakeRepo) ListAccounts(ctx context.Context) ([]*Account, int, error) {
	f.loads++
	var out []*Account
	for _, id := range []UUID{{1}, {2}} {
		a := f.accounts[id]
		out = append(out, &a)
	}
	return out, len(out), nil
}

func (f *fakeRepo) Limits(ctx context.Context) (map[string]*big.Int, error) {
	f.loads++
	return map[string]*big.Int{"a": big.NewInt(-3), "nil": nil}, nil
}

func (f *fakeRepo) SaveAccount(ctx context.Context, a *Account) error { return nil }

func full() Account {
	deleted := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	raw := json.RawMessage(`{"k":[1,2]}`)
	parent := UUID{9, 9}
	a := Account{
		ID:        UUID{1},
		Parent:    &parent,
		CreatedAt: time.Date(2023, 1, 2, 3, 4, 5, 6, time.UTC),
		DeletedAt: &deleted,
		Limit:     big.NewInt(1 << 62),
		History:   []big.Int{*big.NewInt(5), *big.NewInt(-7)},
		Price:     Money{Cents: 1999},
		PriceWas:  &Money{Cents: 2499},
		Raw:       json.RawMessage(`[true,null]`),
		RawPtr:    &raw,
		Shares:    map[UUID]int{{7}: 1, {8}: 2},
		Limits:    map[string]*big.Int{"x": big.NewInt(10), "none": nil},
		Blob:      []byte{0, 1, 255},
		Empty:     []int{},
		Audit:     Audit{CreatedBy: "ann", UpdatedBy: "bob"},
		Extra:     &Extra{Note: "n"},
		Seen:      &Seen{}, // zero, but not nil
		Renamed:   "main",
	}
	a.Balance.SetString("-123456789012345678901234567890", 10)
	return a
}

// TestRoundTrips reads every value twice through the generated wrapper:
// the hit must equal what the repository returned.
func TestRoundTrips(t *testing.T) {
	ctx := context.Background()
	sparse := Account{ID: UUID{2}} // nil pointers, nil maps and slices, zero big.Int
	fake := &fakeRepo{accounts: map[UUID]Account{{1}: full(), {2}: sparse}}
	repo := NewCachedAccountRepository(fake, cache.New(cache.NewMemoryStore()))

	for _, want := range []Account{full(), sparse} {
		for i := range 2 {
			got, err := repo.GetAccount(ctx, want.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !equalAccounts(got, want) {
				t.Fatalf("read %d of %x:\n got %+v\nwant %+v", i, want.ID, got, want)
			}
		}
	}
	list, n, err := repo.ListAccounts(ctx)
	list2, n2, _ := repo.ListAccounts(ctx)
	if err != nil || n != 2 || n2 != 2 || len(list2) != 2 || !equalAccounts(*list2[0], *list[0]) || !equalAccounts(*list2[1], sparse) {
		t.Fatalf("ListAccounts: %v, %d, %d", err, n, n2)
	}
	lim, _ := repo.Limits(ctx)
	lim2, _ := repo.Limits(ctx)
	if lim2["a"].Int64() != -3 || lim2["nil"] != nil || len(lim2) != len(lim) {
		t.Fatalf("Limits: %v", lim2)
	}
	if fake.loads != 4 {
		t.Fatalf("%d repository calls, want 4 (one per distinct read): something was not cached", fake.loads)
	}
}

// equalAccounts is reflect.DeepEqual but for big.Int, whose internal
// slices may differ in capacity or nil-ness for equal numbers: they are
// compared by value; and for the documented exception of json.RawMessage,
// compacted, and null when nil.
func equalAccounts(a, b Account) bool {
	for _, r := range []*json.RawMessage{&a.Raw, &b.Raw} {
		if *r == nil {
			*r = json.RawMessage("null")
		}
	}
	if a.Balance.Cmp(&b.Balance) != 0 || (a.Limit == nil) != (b.Limit == nil) || a.Limit != nil && a.Limit.Cmp(b.Limit) != 0 {
		return false
	}
	if len(a.History) != len(b.History) || len(a.Limits) != len(b.Limits) {
		return false
	}
	for i := range a.History {
		if a.History[i].Cmp(&b.History[i]) != 0 {
			return false
		}
	}
	for k, v := range a.Limits {
		if w, ok := b.Limits[k]; !ok || (v == nil) != (w == nil) || v != nil && v.Cmp(w) != 0 {
			return false
		}
	}
	a.Balance, b.Balance = big.Int{}, big.Int{}
	a.Limit, b.Limit, a.History, b.History, a.Limits, b.Limits = nil, nil, nil, nil, nil, nil
	return reflect.DeepEqual(a, b)
}
