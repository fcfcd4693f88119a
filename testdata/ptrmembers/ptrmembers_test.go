package ptrmembers

import (
	"context"
	"fmt"
	"math/big"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// fakeRepo holds item names by id and counts the loads of each id.
type fakeRepo struct {
	mu    sync.Mutex
	names map[int64]string
	loads map[int64]int
}

func newFake() *fakeRepo {
	return &fakeRepo{names: map[int64]string{7: "seven", 42: "forty-two"}, loads: map[int64]int{}}
}

func (f *fakeRepo) get(id int64) Item {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads[id]++
	return Item{ID: id, Name: f.names[id]}
}

func (f *fakeRepo) set(id int64, name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.names[id] = name
}

// n returns how many times id was loaded.
func (f *fakeRepo) n(id int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loads[id]
}

func (f *fakeRepo) GetA(_ context.Context, id int64) (Item, error) { return f.get(id), nil }

func (f *fakeRepo) GetAPtr(_ context.Context, id *int64) (Item, error) {
	if id == nil {
		return f.get(0), nil
	}
	return f.get(*id), nil
}

func (f *fakeRepo) GetAByID(_ context.Context, id ItemID) (Item, error) { return f.get(int64(id)), nil }

func (f *fakeRepo) SetAPtr(_ context.Context, id *int64) error {
	if id != nil {
		f.set(*id, "set")
	}
	return nil
}

func (f *fakeRepo) SetAPatch(_ context.Context, w *Patch) error {
	if w != nil && w.ID != nil {
		f.set(*w.ID, w.Name)
	}
	return nil
}

func (f *fakeRepo) SetAPtrPtr(_ context.Context, id **int64) error {
	if id != nil && *id != nil {
		f.set(**id, "setptr")
	}
	return nil
}

// GetN loads the item whose id is 1000+v.
func (f *fakeRepo) GetN(_ context.Context, v *big.Int) (Item, error) {
	return f.get(1000 + v.Int64()), nil
}

func (f *fakeRepo) SetN(context.Context, *big.Int) error { return nil }

// newCache returns a Cache over the Redis of CACHEGEN_REDIS_URL, or over a
// memory store, with a prefix of the test's own.
func newCache(t *testing.T, opts ...cache.Option) *cache.Cache {
	store := cache.NewMemoryStore()
	if url := os.Getenv("CACHEGEN_REDIS_URL"); url != "" {
		opt, err := cache.ParseRedisURL(url)
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		t.Cleanup(func() { rdb.Close() })
		store = cache.NewRedisStore(rdb)
	}
	opts = append(opts, cache.WithPrefix(fmt.Sprintf("cgtest:ptrmembers:%s:%d", t.Name(), time.Now().UnixNano())))
	return cache.New(store, opts...)
}

func ptr[T any](v T) *T { return &v }

// warm reads items 7 and 42 by value until both are cached.
func warm(t *testing.T, repo Repo) {
	t.Helper()
	for range 2 {
		for _, id := range []int64{7, 42} {
			if _, err := repo.GetA(context.Background(), id); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// reloads reads items 7 and 42 by value and returns how many of those reads
// went to the repository.
func reloads(t *testing.T, repo Repo, f *fakeRepo) (seven, fortyTwo int) {
	t.Helper()
	a, b := f.n(7), f.n(42)
	warm(t, repo)
	return f.n(7) - a, f.n(42) - b
}

// TestPointerWriteInvalidatesTheMemberByValue: SetAPtr(&42) makes the next
// GetA(42) reload, and leaves GetA(7) cached. Before pointers were written
// as their pointee, SetAPtr bumped the member &42 and GetA(42) served the old
// value for the whole TTL.
func TestPointerWriteInvalidatesTheMemberByValue(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	repo := NewCachedRepo(f, newCache(t))
	warm(t, repo)
	if a, b := reloads(t, repo, f); a+b != 0 {
		t.Fatalf("warm reads went to the repository: %d %d", a, b)
	}
	if err := repo.SetAPtr(ctx, ptr(int64(42))); err != nil {
		t.Fatal(err)
	}
	if a, b := reloads(t, repo, f); a != 0 || b != 1 {
		t.Fatalf("after SetAPtr(&42): item 7 %d loads (want 0), item 42 %d (want 1)", a, b)
	}
	if it, _ := repo.GetA(ctx, 42); it.Name != "set" {
		t.Fatalf("GetA(42) after SetAPtr(&42): %+v, want the name set", it)
	}
}

// TestPointerPointerAndFieldWrites: a **int64 parameter and a *int64 field
// name the member by value too.
func TestPointerPointerAndFieldWrites(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	repo := NewCachedRepo(f, newCache(t))
	warm(t, repo)
	if err := repo.SetAPtrPtr(ctx, ptr(ptr(int64(7)))); err != nil {
		t.Fatal(err)
	}
	if a, b := reloads(t, repo, f); a != 1 || b != 0 {
		t.Fatalf("after SetAPtrPtr(&&7): item 7 %d loads (want 1), item 42 %d (want 0)", a, b)
	}
	if err := repo.SetAPatch(ctx, &Patch{ID: ptr(int64(42)), Name: "patched"}); err != nil {
		t.Fatal(err)
	}
	if a, b := reloads(t, repo, f); a != 0 || b != 1 {
		t.Fatalf("after SetAPatch(ID &42): item 7 %d loads (want 0), item 42 %d (want 1)", a, b)
	}
	if it, _ := repo.GetA(ctx, 42); it.Name != "patched" {
		t.Fatalf("GetA(42) after SetAPatch: %+v", it)
	}
}

// TestNilPointerInvalidatesTheFamily: a nil pointer anywhere on a write's
// member invalidates every member of the family.
func TestNilPointerInvalidatesTheFamily(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		write func(Repo) error
	}{
		{"SetAPtr-nil", func(r Repo) error { return r.SetAPtr(ctx, nil) }},
		{"SetAPtrPtr-nil", func(r Repo) error { return r.SetAPtrPtr(ctx, nil) }},
		{"SetAPtrPtr-pointer-to-nil", func(r Repo) error { return r.SetAPtrPtr(ctx, new(*int64)) }},
		{"SetAPatch-nil", func(r Repo) error { return r.SetAPatch(ctx, nil) }},
		{"SetAPatch-nil-ID", func(r Repo) error { return r.SetAPatch(ctx, &Patch{}) }},
	} {
		name, write := c.name, c.write
		t.Run(name, func(t *testing.T) {
			f := newFake()
			repo := NewCachedRepo(f, newCache(t))
			warm(t, repo)
			if err := write(repo); err != nil {
				t.Fatal(err)
			}
			if a, b := reloads(t, repo, f); a != 1 || b != 1 {
				t.Fatalf("after %s: items 7 and 42 loaded %d and %d times, want 1 and 1", name, a, b)
			}
		})
	}
}

// TestReadsByPointerAndByNamedTypeShareTheMember: GetAPtr(&42) and
// GetAByID(42) are entries of member a:42, which SetAPtr(&42) invalidates;
// GetAPtr(nil) names no member and bypasses the cache.
func TestReadsByPointerAndByNamedTypeShareTheMember(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	bypasses := 0
	c := newCache(t, cache.WithObserver(func(_ context.Context, e cache.Event) {
		if e.Kind == cache.EventBypass {
			mu.Lock()
			bypasses++
			mu.Unlock()
		}
	}))
	f := newFake()
	repo := NewCachedRepo(f, c)
	read := func() int {
		before := f.n(42)
		if _, err := repo.GetAPtr(ctx, ptr(int64(42))); err != nil {
			t.Fatal(err)
		}
		if _, err := repo.GetAByID(ctx, 42); err != nil {
			t.Fatal(err)
		}
		return f.n(42) - before
	}
	read()
	if n := read(); n != 0 {
		t.Fatalf("cached reads went to the repository %d times", n)
	}
	if err := repo.SetAPtr(ctx, ptr(int64(42))); err != nil {
		t.Fatal(err)
	}
	if n := read(); n != 2 {
		t.Fatalf("after SetAPtr(&42): %d loads of GetAPtr(&42) and GetAByID(42), want 2", n)
	}
	for range 2 {
		if _, err := repo.GetAPtr(ctx, nil); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if f.n(0) != 2 || bypasses != 2 {
		t.Fatalf("GetAPtr(nil) twice: %d loads and %d bypasses, want 2 and 2", f.n(0), bypasses)
	}
}

// TestBigIntMember: a *big.Int member is written by its MarshalText; a nil
// one invalidates the family, as every nil pointer member does.
func TestBigIntMember(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	repo := NewCachedRepo(f, newCache(t))
	read := func() (five, six int) {
		a, b := f.n(1005), f.n(1006)
		for _, v := range []int64{5, 6} {
			if _, err := repo.GetN(ctx, big.NewInt(v)); err != nil {
				t.Fatal(err)
			}
		}
		return f.n(1005) - a, f.n(1006) - b
	}
	read()
	if a, b := read(); a+b != 0 {
		t.Fatalf("cached reads went to the repository: %d %d", a, b)
	}
	if err := repo.SetN(ctx, big.NewInt(5)); err != nil {
		t.Fatal(err)
	}
	if a, b := read(); a != 1 || b != 0 {
		t.Fatalf("after SetN(5): %d and %d loads, want 1 and 0", a, b)
	}
	if err := repo.SetN(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if a, b := read(); a != 1 || b != 1 {
		t.Fatalf("after SetN(nil): %d and %d loads, want 1 and 1", a, b)
	}
}
