package batch

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// fakeRepo holds books in memory, like SELECT ... WHERE id IN (...): one row
// per distinct id it holds, in the order of the ids' values.
type fakeRepo struct {
	mu    sync.Mutex
	books map[BookID]Book
	calls map[string][][]BookID
}

func newFake(ids ...BookID) *fakeRepo {
	f := &fakeRepo{books: map[BookID]Book{}, calls: map[string][][]BookID{}}
	for _, id := range ids {
		f.books[id] = Book{ID: id, Title: fmt.Sprint("book ", id)}
	}
	return f
}

func (f *fakeRepo) rows(method string, ids []BookID) []Book {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[method] = append(f.calls[method], slices.Clone(ids))
	var out []Book
	for id, b := range f.books {
		if slices.Contains(ids, id) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b Book) int { return int(a.ID - b.ID) })
	return out
}

// take returns the ids of method's calls since the last take.
func (f *fakeRepo) take(method string) [][]BookID {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := f.calls[method]
	delete(f.calls, method)
	return calls
}

func (f *fakeRepo) GetBook(ctx context.Context, id BookID) (Book, error) {
	rows := f.rows("GetBook", []BookID{id})
	if len(rows) == 0 {
		return Book{}, fmt.Errorf("book %d: %w", id, ErrNotFound)
	}
	return rows[0], nil
}

func (f *fakeRepo) GetBooks(ctx context.Context, ids []BookID) ([]Book, error) {
	return f.rows("GetBooks", ids), nil
}

func (f *fakeRepo) GetBookPtrs(ctx context.Context, ids []BookID) ([]*Book, error) {
	var out []*Book
	for _, b := range f.rows("GetBookPtrs", ids) {
		out = append(out, &b)
	}
	return append(out, nil), nil // a nil row names no book
}

func (f *fakeRepo) BookMap(ctx context.Context, ids ...BookID) (map[BookID]Book, error) {
	out := map[BookID]Book{}
	for _, b := range f.rows("BookMap", ids) {
		out[b.ID] = b
	}
	return out, nil
}

func (f *fakeRepo) UpdateBook(ctx context.Context, b Book) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.books[b.ID] = b
	return nil
}

func (f *fakeRepo) Reshelve(ctx context.Context) error { return nil }

// caches returns a function giving a new Cache (a new process) over one
// store, the Redis of CACHEGEN_REDIS_URL or a memory store, under a prefix
// of the test's own; the previous Cache is closed first, which waits for
// its entries to be stored.
func caches(t *testing.T) func() *cache.Cache {
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
	prefix := fmt.Sprintf("cgtest:batch:%s:%d", t.Name(), time.Now().UnixNano())
	var last *cache.Cache
	t.Cleanup(func() { last.Close() })
	return func() *cache.Cache {
		if last != nil {
			last.Close()
		}
		last = cache.New(store, cache.WithPrefix(prefix))
		return last
	}
}

func titles(books []Book) []string {
	var out []string
	for _, b := range books {
		out = append(out, b.Title)
	}
	return out
}

func TestBatchLoadsOnlyTheMissingIDs(t *testing.T) {
	ctx := context.Background()
	f := newFake(1, 2, 3, 4, 5)
	next := caches(t)
	repo := NewCachedBookRepository(f, next())
	if got, err := repo.GetBooks(ctx, []BookID{2, 4}); err != nil || len(got) != 2 {
		t.Fatalf("got %v, %v", got, err)
	}
	repo = NewCachedBookRepository(f, next())
	got, err := repo.GetBooks(ctx, []BookID{5, 4, 9, 3, 2, 4})
	if want := []string{"book 5", "book 4", "book 3", "book 2"}; err != nil || !slices.Equal(titles(got), want) {
		t.Fatalf("got %v, %v; want %v", titles(got), err, want)
	}
	if calls := f.take("GetBooks"); !reflect.DeepEqual(calls, [][]BookID{{2, 4}, {5, 9, 3}}) {
		t.Fatalf("repository calls %v", calls)
	}
	// 9 is cached as not found (notfound=), the others as books.
	repo = NewCachedBookRepository(f, next())
	if got, _ := repo.GetBooks(ctx, []BookID{9, 3}); !slices.Equal(titles(got), []string{"book 3"}) || f.take("GetBooks") != nil {
		t.Fatalf("got %v: want book 3 from the cache", titles(got))
	}
}

func TestBatchSharesTheSingleReadsEntries(t *testing.T) {
	ctx := context.Background()
	f := newFake(1, 2, 3)
	next := caches(t)
	repo := NewCachedBookRepository(f, next())
	repo.GetBooks(ctx, []BookID{1, 2, 7})
	repo = NewCachedBookRepository(f, next())
	if b, err := repo.GetBook(ctx, 2); err != nil || b.Title != "book 2" {
		t.Fatal(b, err)
	}
	if _, err := repo.GetBook(ctx, 7); err != ErrNotFound {
		t.Fatalf("GetBook(7): %v, want the not-found the batch cached", err)
	}
	if calls := f.take("GetBook"); calls != nil {
		t.Fatalf("GetBook loaded %v: the batch's entries were not shared", calls)
	}
	repo.GetBook(ctx, 3)
	repo = NewCachedBookRepository(f, next())
	f.take("GetBooks")
	repo.GetBooks(ctx, []BookID{3, 1})
	if calls := f.take("GetBooks"); calls != nil {
		t.Fatalf("GetBooks loaded %v: the single read's entry of 3 was not shared", calls)
	}
}

func TestBatchWriteReloadsOnlyThatBook(t *testing.T) {
	ctx := context.Background()
	f := newFake(5, 6, 7, 8)
	next := caches(t)
	repo := NewCachedBookRepository(f, next())
	ids := []BookID{5, 6, 7, 8}
	repo.GetBooks(ctx, ids)
	repo.BookMap(ctx, ids...)
	repo.GetBookPtrs(ctx, ids)
	repo = NewCachedBookRepository(f, next())
	if err := repo.UpdateBook(ctx, Book{ID: 7, Title: "new"}); err != nil {
		t.Fatal(err)
	}
	f.take("GetBooks")
	f.take("BookMap")
	f.take("GetBookPtrs")
	got, _ := repo.GetBooks(ctx, ids)
	if !slices.Equal(titles(got), []string{"book 5", "book 6", "new", "book 8"}) {
		t.Fatalf("got %v", titles(got))
	}
	m, _ := repo.BookMap(ctx, ids...)
	ptrs, _ := repo.GetBookPtrs(ctx, ids)
	if m[7].Title != "new" || len(m) != 4 || len(ptrs) != 4 || ptrs[2].Title != "new" {
		t.Fatalf("map %v, pointers %v", m, ptrs)
	}
	for _, method := range []string{"GetBooks", "BookMap", "GetBookPtrs"} {
		if calls := f.take(method); !reflect.DeepEqual(calls, [][]BookID{{7}}) {
			t.Fatalf("%s loaded %v, want [[7]]", method, calls)
		}
	}
	// Reshelve invalidates books, a namespace of BookMap only.
	repo = NewCachedBookRepository(f, next())
	repo.Reshelve(ctx)
	repo.GetBooks(ctx, ids)
	repo.BookMap(ctx, ids...)
	if a, b := f.take("GetBooks"), f.take("BookMap"); a != nil || !reflect.DeepEqual(b, [][]BookID{ids}) {
		t.Fatalf("after Reshelve: GetBooks loaded %v (want nothing), BookMap %v (want all)", a, b)
	}
}

func TestBatchEmptyAndNilCache(t *testing.T) {
	ctx := context.Background()
	f := newFake(1, 2)
	repo := NewCachedBookRepository(f, nil)
	if got, err := repo.GetBooks(ctx, []BookID{2, 1, 2}); err != nil || len(got) != 2 {
		t.Fatalf("without a cache: %v, %v", got, err)
	}
	if calls := f.take("GetBooks"); !reflect.DeepEqual(calls, [][]BookID{{2, 1, 2}}) {
		t.Fatalf("without a cache the ids go as they are: %v", calls)
	}
	repo = NewCachedBookRepository(f, caches(t)())
	if got, err := repo.BookMap(ctx); err != nil || len(got) != 0 {
		t.Fatalf("no ids: %v, %v", got, err)
	}
	if calls := f.take("BookMap"); len(calls) != 1 || len(calls[0]) != 0 {
		t.Fatalf("no ids: the repository is called as without the cache: %v", calls)
	}
}
