package entities

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// fakeRepo holds items in memory and counts the reads of each method.
type fakeRepo struct {
	mu     sync.Mutex
	items  map[int64]Item
	nextID int64
	loads  map[string]int
	fail   error
}

func newFake() *fakeRepo {
	return &fakeRepo{items: map[int64]Item{1: {1, "acme", "one"}, 2: {2, "acme", "two"}}, nextID: 3, loads: map[string]int{}}
}

func (f *fakeRepo) count(m string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.loads[m]++
}

func (f *fakeRepo) n(m string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.loads[m]
}

func (f *fakeRepo) GetItem(ctx context.Context, id int64) (Item, error) {
	f.count("GetItem")
	f.mu.Lock()
	defer f.mu.Unlock()
	switch it, ok := f.items[id]; {
	case id == 99:
		return Item{}, fmt.Errorf("item %d: %w", id, sql.ErrNoRows)
	case id == 500:
		return Item{}, errors.New("database down")
	case !ok:
		return Item{}, fmt.Errorf("item %d: %w", id, ErrNotFound)
	default:
		return it, nil
	}
}

func (f *fakeRepo) ListItems(ctx context.Context, limit int) ([]Item, error) {
	f.count("ListItems")
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Item
	for id := int64(1); id < f.nextID; id++ {
		if it, ok := f.items[id]; ok {
			out = append(out, it)
		}
	}
	return out, nil
}

func (f *fakeRepo) ByTenant(ctx context.Context, tenant string, kind int) ([]Item, error) {
	f.count("ByTenant")
	return nil, nil
}

func (f *fakeRepo) Find(ctx context.Context, q *Query) (Item, error) {
	f.count("Find")
	if q == nil {
		return Item{}, ErrNotFound
	}
	return f.GetItem(ctx, q.ID)
}

func (f *fakeRepo) SaveItem(ctx context.Context, it *Item, kind int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if it == nil {
		return errors.New("nil item")
	}
	f.items[it.ID] = *it
	return nil
}

func (f *fakeRepo) DeleteItem(ctx context.Context, id int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.items, id)
	return nil
}

func (f *fakeRepo) CreateItem(ctx context.Context, name string) (Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return Item{}, f.fail
	}
	it := Item{ID: f.nextID, Tenant: "acme", Name: name}
	f.nextID++
	f.items[it.ID] = it
	return it, nil
}

func (f *fakeRepo) Reindex(ctx context.Context) error { return nil }

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
	opts = append(opts, cache.WithPrefix(fmt.Sprintf("cgtest:entities:%s:%d", t.Name(), time.Now().UnixNano())))
	return cache.New(store, opts...)
}

// reads reads items 1 and 2 and the list, and returns how many of those
// reads went to the repository.
func reads(t *testing.T, repo ItemRepository, f *fakeRepo) (item1, item2, list int) {
	t.Helper()
	g, l := f.n("GetItem"), f.n("ListItems")
	a, err := repo.GetItem(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	g1 := f.n("GetItem") - g
	if _, err := repo.GetItem(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
	g2 := f.n("GetItem") - g - g1
	if _, err := repo.ListItems(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	_ = a
	return g1, g2, f.n("ListItems") - l
}

func TestMemberWriteInvalidatesOnlyThatMember(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	c := newCache(t)
	repo := NewCachedItemRepository(f, c)
	reads(t, repo, f)
	if a, b, l := reads(t, repo, f); a+b+l != 0 {
		t.Fatalf("second reads went to the repository: %d %d %d", a, b, l)
	}

	if err := repo.SaveItem(ctx, &Item{ID: 1, Tenant: "acme", Name: "uno"}, 0); err != nil {
		t.Fatal(err)
	}
	if a, b, l := reads(t, repo, f); a != 1 || b != 0 || l != 1 {
		t.Fatalf("after SaveItem(1): item 1 %d loads (want 1), item 2 %d (want 0), list %d (want 1)", a, b, l)
	}
	if it, _ := repo.GetItem(ctx, 1); it.Name != "uno" {
		t.Fatalf("item 1 after the write: %+v", it)
	}

	repo.DeleteItem(ctx, 2)
	if a, b, l := func() (int, int, int) {
		g, l := f.n("GetItem"), f.n("ListItems")
		repo.GetItem(ctx, 1)
		_, err := repo.GetItem(ctx, 2)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("item 2 after DeleteItem: %v", err)
		}
		repo.ListItems(ctx, 10)
		return f.n("GetItem") - g - 1, 1, f.n("ListItems") - l
	}(); a != 0 || b != 1 || l != 1 {
		t.Fatalf("after DeleteItem(2): item 1 %d loads, list %d", a, l)
	}
}

func TestFamilyInvalidation(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	c := newCache(t)
	repo := NewCachedItemRepository(f, c)
	reads(t, repo, f)

	// The write annotated with the family invalidates every member.
	repo.Reindex(ctx)
	if a, b, l := reads(t, repo, f); a != 1 || b != 1 || l != 0 {
		t.Fatalf("after Reindex: %d %d %d loads, want 1 1 0", a, b, l)
	}
	// So does Cache.Invalidate with the family's name.
	if err := c.Invalidate(ctx, "item"); err != nil {
		t.Fatal(err)
	}
	if a, b, _ := reads(t, repo, f); a != 1 || b != 1 {
		t.Fatalf("after Invalidate(item): %d %d loads, want 1 1", a, b)
	}
	// One member by hand.
	if err := c.InvalidateMember(ctx, "item", int64(2)); err != nil {
		t.Fatal(err)
	}
	if a, b, l := reads(t, repo, f); a != 0 || b != 1 || l != 0 {
		t.Fatalf("after InvalidateMember(item, 2): %d %d %d loads, want 0 1 0", a, b, l)
	}
	if err := c.Invalidate(ctx, cache.Member("item", 1)); err != nil {
		t.Fatal(err)
	}
	if a, b, _ := reads(t, repo, f); a != 1 || b != 0 {
		t.Fatalf("after Invalidate(Member(item, 1)): %d %d loads, want 1 0", a, b)
	}
	// A nil pointer on a write's template: the whole family.
	repo.SaveItem(ctx, nil, 0)
	if a, b, _ := reads(t, repo, f); a != 1 || b != 1 {
		t.Fatalf("after SaveItem(nil): %d %d loads, want 1 1", a, b)
	}
}

func TestNilPointerOnAReadTemplateBypasses(t *testing.T) {
	var mu sync.Mutex
	var bypasses int
	c := newCache(t, cache.WithObserver(func(_ context.Context, e cache.Event) {
		if e.Kind == cache.EventBypass {
			mu.Lock()
			bypasses++
			mu.Unlock()
		}
	}))
	f := newFake()
	repo := NewCachedItemRepository(f, c)
	for range 2 {
		if _, err := repo.Find(context.Background(), nil); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Find(nil): %v", err)
		}
	}
	if f.n("Find") != 2 || bypasses != 2 {
		t.Fatalf("Find(nil): %d repository calls, %d bypasses; want 2 and 2", f.n("Find"), bypasses)
	}
	repo.Find(context.Background(), &Query{ID: 1})
	repo.Find(context.Background(), &Query{ID: 1})
	if f.n("Find") != 3 {
		t.Fatalf("Find(&Query{1}) twice: %d repository calls, want 3", f.n("Find"))
	}
}

func TestNotFoundIsCached(t *testing.T) {
	ctx := context.Background()
	f := newFake()
	c := newCache(t)
	repo := NewCachedItemRepository(f, c)

	_, err := repo.GetItem(ctx, 7)
	if !errors.Is(err, ErrNotFound) || err == ErrNotFound {
		t.Fatalf("first read: %v; want the repository's wrapped error", err)
	}
	it, err := repo.GetItem(ctx, 7)
	if err != ErrNotFound || it != (Item{}) || f.n("GetItem") != 1 {
		t.Fatalf("second read: %+v, %v, %d loads; want the zero Item, ErrNotFound itself, 1 load", it, err, f.n("GetItem"))
	}
	// The second error of the list.
	repo.GetItem(ctx, 99)
	if _, err := repo.GetItem(ctx, 99); err != sql.ErrNoRows || f.n("GetItem") != 2 {
		t.Fatalf("sql.ErrNoRows: %v, %d loads", err, f.n("GetItem"))
	}
	// Other errors are never cached.
	repo.GetItem(ctx, 500)
	if _, err := repo.GetItem(ctx, 500); err == nil || f.n("GetItem") != 4 {
		t.Fatalf("an ordinary error: %v, %d loads (want 4)", err, f.n("GetItem"))
	}

	// Creating the missing item invalidates its member, through the
	// template naming the result: the next read finds it.
	repo.GetItem(ctx, 3) // not found, cached
	created, err := repo.CreateItem(ctx, "three")
	if err != nil || created.ID != 3 {
		t.Fatalf("CreateItem: %+v, %v", created, err)
	}
	if it, err := repo.GetItem(ctx, 3); err != nil || it.Name != "three" {
		t.Fatalf("read after CreateItem: %+v, %v", it, err)
	}
	// A failed create invalidates the family (its result names no member).
	repo.GetItem(ctx, 1)
	before := f.n("GetItem")
	f.fail = errors.New("duplicate")
	if _, err := repo.CreateItem(ctx, "x"); err != f.fail {
		t.Fatalf("CreateItem's error: %v", err)
	}
	repo.GetItem(ctx, 1)
	if f.n("GetItem") != before+1 {
		t.Fatal("a failed CreateItem did not invalidate the family")
	}
}
