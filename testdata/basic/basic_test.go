package basic

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

// fakeRepo counts calls and serves titles from a map.
type fakeRepo struct {
	calls  map[string]*atomic.Int64
	titles map[int64]string
	nextID int64
	fail   error
}

func newFake() *fakeRepo {
	f := &fakeRepo{calls: map[string]*atomic.Int64{}, titles: map[int64]string{1: "Dune"}, nextID: 2}
	for _, m := range []string{"ListBooks", "GetBook", "CreateBook", "Ping"} {
		f.calls[m] = new(atomic.Int64)
	}
	return f
}

func (f *fakeRepo) ListBooks(ctx context.Context, flt Filter) ([]Book, error) {
	f.calls["ListBooks"].Add(1)
	var out []Book
	for id, t := range f.titles {
		out = append(out, Book{ID: id, Title: t, Author: flt.Author})
	}
	return out, nil
}

func (f *fakeRepo) GetBook(ctx context.Context, id int64) (*Book, error) {
	f.calls["GetBook"].Add(1)
	t, ok := f.titles[id]
	if !ok {
		return nil, errors.New("not found")
	}
	return &Book{ID: id, Title: t}, nil
}

func (f *fakeRepo) CreateBook(ctx context.Context, b *Book) (int64, error) {
	f.calls["CreateBook"].Add(1)
	if f.fail != nil {
		f.titles[f.nextID] = b.Title // partly applied, then failed
		return 0, f.fail
	}
	id := f.nextID
	f.nextID++
	f.titles[id] = b.Title
	return id, nil
}

func (f *fakeRepo) Ping(ctx context.Context) error {
	f.calls["Ping"].Add(1)
	return nil
}

func TestCachedBookRepository(t *testing.T) {
	ctx := context.Background()
	fake := newFake()
	repo := NewRepository(fake, cache.New(cache.NewMemoryStore()))

	for range 3 {
		b, err := repo.GetBook(ctx, 1)
		if err != nil || b.Title != "Dune" {
			t.Fatalf("GetBook: %+v, %v", b, err)
		}
	}
	if n := fake.calls["GetBook"].Load(); n != 1 {
		t.Fatalf("GetBook reached the repository %d times, want 1", n)
	}
	if _, err := repo.GetBook(ctx, 99); err == nil {
		t.Fatal("GetBook(99): want the repository's error")
	}
	repo.GetBook(ctx, 99)
	if n := fake.calls["GetBook"].Load(); n != 3 {
		t.Fatalf("errors must not be cached: %d repository calls, want 3", n)
	}

	list, _ := repo.ListBooks(ctx, Filter{Author: "x"})
	repo.ListBooks(ctx, Filter{Author: "x"})
	repo.ListBooks(ctx, Filter{Author: "y"})
	if n := fake.calls["ListBooks"].Load(); n != 2 || len(list) != 1 {
		t.Fatalf("ListBooks: %d repository calls (want 2), %d books (want 1)", n, len(list))
	}

	// A write invalidates the namespace: the next list sees the new book.
	id, err := repo.CreateBook(ctx, &Book{Title: "Emma"})
	if err != nil || id != 2 {
		t.Fatalf("CreateBook: %d, %v", id, err)
	}
	list, _ = repo.ListBooks(ctx, Filter{Author: "x"})
	if len(list) != 2 {
		t.Fatalf("after CreateBook: %d books, want 2", len(list))
	}
	// GetBook lives in books too.
	repo.GetBook(ctx, 1)
	if n := fake.calls["GetBook"].Load(); n != 4 {
		t.Fatalf("GetBook after invalidation: %d repository calls, want 4", n)
	}

	// A failed write still invalidates, and its error is returned unchanged.
	fake.fail = errors.New("duplicate")
	if _, err := repo.CreateBook(ctx, &Book{Title: "Ulysses"}); err != fake.fail {
		t.Fatalf("CreateBook error %v, want %v", err, fake.fail)
	}
	list, _ = repo.ListBooks(ctx, Filter{Author: "x"})
	if len(list) != 3 {
		t.Fatalf("after a failed, partly applied CreateBook: %d books, want 3", len(list))
	}

	repo.Ping(ctx)
	repo.Ping(ctx)
	if n := fake.calls["Ping"].Load(); n != 2 {
		t.Fatalf("Ping is not cached: %d calls, want 2", n)
	}
}

func TestNilCache(t *testing.T) {
	fake := newFake()
	repo := NewCachedBookRepository(fake, nil)
	repo.GetBook(context.Background(), 1)
	repo.GetBook(context.Background(), 1)
	if n := fake.calls["GetBook"].Load(); n != 2 {
		t.Fatalf("nil cache: %d repository calls, want 2", n)
	}
}
