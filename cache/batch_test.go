package cache

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// bookTable is a fake table of books for batch reads, which records the ids
// of each call. Like SELECT ... WHERE id IN (...), it returns one row per
// distinct id it holds, in the order of the table (by id), whatever the
// order or repetitions of the ids.
type bookTable struct {
	mu    sync.Mutex
	books map[int64]book
	calls [][]int64
	fail  error // returned by the next call, when set
}

func newBookTable(ids ...int64) *bookTable {
	s := &bookTable{books: map[int64]book{}}
	for _, id := range ids {
		s.books[id] = book{ID: id, Title: "v1", Tags: []string{"a"}}
	}
	return s
}

func (s *bookTable) getBooks(_ context.Context, ids []int64) ([]book, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, slices.Clone(ids))
	if err := s.fail; err != nil {
		s.fail = nil
		return nil, err
	}
	var out []book
	for _, id := range s.sortedIDs() {
		if slices.Contains(ids, id) {
			out = append(out, s.books[id])
		}
	}
	return out, nil
}

func (s *bookTable) getBookMap(ctx context.Context, ids []int64) (map[int64]book, error) {
	rows, err := s.getBooks(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[int64]book{}
	for _, b := range rows {
		out[b.ID] = b
	}
	return out, nil
}

func (s *bookTable) sortedIDs() []int64 {
	var ids []int64
	for id := range s.books {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func (s *bookTable) set(id int64, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.books[id] = book{ID: id, Title: title, Tags: []string{"a"}}
}

// takeCalls returns the ids of the calls since the last takeCalls.
func (s *bookTable) takeCalls() [][]int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	calls := s.calls
	s.calls = nil
	return calls
}

// bookKey is the key generated code writes for one id of a batch read
// annotated namespace=book:{ids}, the key a GetBook(ctx, id) annotated
// namespace=book:{id} writes.
func bookKey(m *Method) func(int64) Key {
	return func(id int64) Key {
		k := m.Key()
		k.Member()
		k.Int(id)
		k.Args()
		k.Int(id)
		return k
	}
}

func bookID(b book) (int64, bool) { return b.ID, true }

// getBooks is what a generated wrapper does for GetBooks(ctx, ids) ([]Book, error).
func getBooks(ctx context.Context, m *Method, s *bookTable, ids []int64) ([]book, error) {
	return FetchSlice(ctx, m, ids, bookKey(m), bookID, s.getBooks)
}

// titles returns "id:title" of each book, in order.
func titles(books []book) []string {
	var out []string
	for _, b := range books {
		out = append(out, sprintf("%d:%s", b.ID, b.Title))
	}
	return out
}

// errNoBook is the bookTable's not-found error.
var errNoBook = errors.New("no such book")

func newBatchCache(t *testing.T, st storeCase, opts ...Option) (*Cache, *Method) {
	c := New(st.store(t), append([]Option{WithPrefix(testPrefix(t))}, opts...)...)
	t.Cleanup(func() { c.Close() })
	return c, c.Method("Books.GetBook", time.Minute, "book:{id}")
}

func TestFetchSliceLoadsOnlyTheMissingIDs(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c, m := newBatchCache(t, st)
			s := newBookTable(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
			ctx := context.Background()
			if _, err := getBooks(ctx, m, s, []int64{1, 2, 3, 4, 5, 6, 7}); err != nil {
				t.Fatal(err)
			}
			settle(t, c)
			s.takeCalls()
			rctx, rec := Record(ctx)
			got, err := getBooks(rctx, m, s, []int64{9, 1, 8, 2, 3, 10, 4, 5, 6, 7})
			if err != nil {
				t.Fatal(err)
			}
			// In the caller's order, though the repository answers in its own.
			want := []string{"9:v1", "1:v1", "8:v1", "2:v1", "3:v1", "10:v1", "4:v1", "5:v1", "6:v1", "7:v1"}
			if !slices.Equal(titles(got), want) {
				t.Fatalf("got %v, want %v", titles(got), want)
			}
			if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{9, 8, 10}}) {
				t.Fatalf("repository calls %v, want one call for [9 8 10]", calls)
			}
			if rec.Status() != StatusMiss {
				t.Fatalf("status %v, want miss", rec.Status())
			}
			settle(t, c)
			rctx, rec = Record(ctx)
			if got, _ := getBooks(rctx, m, s, []int64{10, 9, 8}); !slices.Equal(titles(got), []string{"10:v1", "9:v1", "8:v1"}) || rec.Status() != StatusHit {
				t.Fatalf("got %v (%v), want the three from the cache", titles(got), rec.Status())
			}
			if calls := s.takeCalls(); len(calls) != 0 {
				t.Fatalf("repository calls %v on a batch of hits", calls)
			}
		})
	}
}

// countingStore counts the calls of Get.
type countingStore struct {
	Store
	gets atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, keys)
}

func TestFetchSliceReadsInOneRoundTrip(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			cs := &countingStore{Store: st.store(t)}
			c := New(cs, WithPrefix(testPrefix(t)))
			defer c.Close()
			m := c.Method("Books.GetBook", time.Minute, "book:{id}", "books")
			s := newBookTable(1, 2, 3, 4, 5)
			ids := []int64{1, 2, 3, 4, 5}
			getBooks(context.Background(), m, s, ids)
			settle(t, c)
			cs.gets.Store(0)
			if got, _ := getBooks(context.Background(), m, s, ids); len(got) != 5 || cs.gets.Load() != 1 {
				t.Fatalf("%d books in %d reads of the store, want 5 in 1", len(got), cs.gets.Load())
			}
		})
	}
}

func TestFetchSliceMissingRows(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Run("without notfound", func(t *testing.T) {
				c, m := newBatchCache(t, st)
				s := newBookTable(1, 3)
				ctx := context.Background()
				for range 2 {
					got, err := getBooks(ctx, m, s, []int64{3, 2, 1})
					if err != nil || !slices.Equal(titles(got), []string{"3:v1", "1:v1"}) {
						t.Fatalf("got %v, %v; want 3 and 1, as the repository returns", titles(got), err)
					}
					settle(t, c)
				}
				// Nothing was cached for 2: the second batch asked for it again.
				if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{3, 2, 1}, {2}}) {
					t.Fatalf("repository calls %v", calls)
				}
			})
			t.Run("with notfound", func(t *testing.T) {
				c, m := newBatchCache(t, st)
				m.NotFound(0, errNoBook)
				s := newBookTable(1, 3)
				ctx := context.Background()
				for range 2 {
					got, err := getBooks(ctx, m, s, []int64{3, 2, 1})
					if err != nil || !slices.Equal(titles(got), []string{"3:v1", "1:v1"}) {
						t.Fatalf("got %v, %v; want 3 and 1", titles(got), err)
					}
					settle(t, c)
				}
				if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{3, 2, 1}}) {
					t.Fatalf("repository calls %v: 2 was not cached as not found", calls)
				}
				// The single read of 2 shares the not-found entry.
				_, err := Fetch(ctx, m, bookKey(m)(2), func(context.Context) (book, error) {
					t.Error("the single read of 2 loaded")
					return book{}, nil
				})
				if err != errNoBook {
					t.Fatalf("single read of 2: %v, want the cached not-found", err)
				}
				// Until 2 is created: a write of its member makes the next batch load it.
				s.set(2, "new")
				if err := c.InvalidateMember(ctx, "book", int64(2)); err != nil {
					t.Fatal(err)
				}
				got, _ := getBooks(ctx, m, s, []int64{3, 2, 1})
				if !slices.Equal(titles(got), []string{"3:v1", "2:new", "1:v1"}) {
					t.Fatalf("after creating 2: %v", titles(got))
				}
				if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{2}}) {
					t.Fatalf("repository calls %v, want [[2]]", calls)
				}
			})
		})
	}
}

func TestFetchSliceRowsMatchedByKey(t *testing.T) {
	c, m := newBatchCache(t, stores[0])
	ctx := context.Background()
	// A repository answering in reverse, with a row not asked for and a
	// second row for one id.
	load := func(_ context.Context, ids []int64) ([]book, error) {
		var out []book
		for i := len(ids) - 1; i >= 0; i-- {
			out = append(out, book{ID: ids[i], Title: "first"})
		}
		return append(out, book{ID: 99, Title: "stray"}, book{ID: ids[0], Title: "second"}), nil
	}
	got, err := FetchSlice(ctx, m, []int64{4, 5, 6}, bookKey(m), bookID, load)
	if err != nil || !slices.Equal(titles(got), []string{"4:first", "5:first", "6:first"}) {
		t.Fatalf("got %v, %v", titles(got), err)
	}
	settle(t, c)
	got, _ = FetchSlice(ctx, m, []int64{99, 6}, bookKey(m), bookID, func(_ context.Context, ids []int64) ([]book, error) {
		if !slices.Equal(ids, []int64{99}) {
			t.Errorf("loaded %v, want [99]: the stray row must not have been cached", ids)
		}
		return nil, nil
	})
	if !slices.Equal(titles(got), []string{"6:first"}) {
		t.Fatalf("got %v", titles(got))
	}
}

func TestFetchSliceDuplicateIDs(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c, m := newBatchCache(t, st)
			s := newBookTable(3, 5)
			ctx := context.Background()
			ids := []int64{5, 3, 5, 3, 3}
			uncached, err := s.getBooks(ctx, ids)
			if err != nil {
				t.Fatal(err)
			}
			s.takeCalls()
			for range 2 { // a miss, then a hit
				got, err := getBooks(ctx, m, s, ids)
				if err != nil {
					t.Fatal(err)
				}
				// The uncached call gives one row per id; so does the cache, in the caller's order.
				if len(got) != len(uncached) || !slices.Equal(titles(got), []string{"5:v1", "3:v1"}) {
					t.Fatalf("got %v, the uncached call %v", titles(got), titles(uncached))
				}
				settle(t, c)
			}
			if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{5, 3}}) {
				t.Fatalf("repository calls %v, want one for [5 3]", calls)
			}
		})
	}
}

func TestFetchSliceEmptyIDs(t *testing.T) {
	for _, ids := range [][]int64{nil, {}} {
		cs := &countingStore{Store: NewMemoryStore()}
		c := New(cs, WithPrefix(testPrefix(t)))
		m := c.Method("Books.GetBook", time.Minute, "book:{id}")
		s := newBookTable(1)
		got, err := getBooks(context.Background(), m, s, ids)
		uncached, _ := s.getBooks(context.Background(), ids)
		if err != nil || !reflect.DeepEqual(got, uncached) {
			t.Fatalf("%#v: got %#v, %v; the uncached call %#v", ids, got, err, uncached)
		}
		if calls := s.takeCalls(); len(calls) != 2 || !reflect.DeepEqual(calls[0], ids) {
			t.Fatalf("%#v: repository calls %#v, want the ids passed as they are", ids, calls)
		}
		if cs.gets.Load() != 0 {
			t.Fatalf("%#v: %d reads of the store", ids, cs.gets.Load())
		}
		c.Close()
	}
}

func TestFetchSliceRepositoryError(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c, m := newBatchCache(t, st)
			s := newBookTable(1, 2, 3)
			ctx := context.Background()
			getBooks(ctx, m, s, []int64{1})
			settle(t, c)
			down := errors.New("database down")
			s.fail = down
			got, err := getBooks(ctx, m, s, []int64{1, 2, 3})
			if err != down || got != nil {
				t.Fatalf("got %v, %v; want nil and the repository's error", got, err)
			}
			settle(t, c)
			s.takeCalls()
			// Nothing was stored: 2 and 3 are loaded again.
			if got, err := getBooks(ctx, m, s, []int64{1, 2, 3}); err != nil || len(got) != 3 {
				t.Fatalf("got %v, %v", titles(got), err)
			}
			if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{2, 3}}) {
				t.Fatalf("repository calls %v, want [[2 3]]", calls)
			}
		})
	}
}

func TestFetchSliceInvalidatesPerElement(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c, m := newBatchCache(t, st)
			write := c.Method("Books.UpdateBook", 0, "book:{id}")
			s := newBookTable(5, 6, 7, 8, 9)
			ctx := context.Background()
			ids := []int64{5, 6, 7, 8, 9}
			getBooks(ctx, m, s, ids)
			settle(t, c)
			s.takeCalls()
			s.set(7, "v2")
			k := write.Key()
			k.Member()
			k.Int(7)
			if err := write.InvalidateKey(ctx, k); err != nil {
				t.Fatal(err)
			}
			got, _ := getBooks(ctx, m, s, ids)
			if !slices.Equal(titles(got), []string{"5:v1", "6:v1", "7:v2", "8:v1", "9:v1"}) {
				t.Fatalf("after the write of 7: %v", titles(got))
			}
			if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{7}}) {
				t.Fatalf("repository calls %v, want [[7]]: 7 and only 7 reloaded", calls)
			}
			// The family's write reloads them all.
			settle(t, c)
			c.Invalidate(ctx, "book")
			getBooks(ctx, m, s, ids)
			if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{ids}) {
				t.Fatalf("repository calls %v after the family's write", calls)
			}
		})
	}
}

func TestFetchSliceSharesEntriesWithSingleReads(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c, m := newBatchCache(t, st)
			s := newBookTable(1, 2, 3)
			r := newRepo("single")
			ctx := context.Background()
			// A single read's entry serves the batch...
			if b, _ := getBook(ctx, m, r, 1); b.Title != "single" {
				t.Fatal(b)
			}
			settle(t, c)
			got, _ := getBooks(ctx, m, s, []int64{1, 2})
			if !slices.Equal(titles(got), []string{"1:single", "2:v1"}) {
				t.Fatalf("got %v", titles(got))
			}
			if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{2}}) {
				t.Fatalf("repository calls %v, want [[2]]", calls)
			}
			// ...and the batch's entries serve single reads.
			settle(t, c)
			if b, _ := getBook(ctx, m, r, 2); b.Title != "v1" || r.loads.Load() != 1 {
				t.Fatalf("single read of 2: %+v after %d loads", b, r.loads.Load())
			}
		})
	}
}

// failingGets is a store whose reads fail.
type failingGets struct{ Store }

func (failingGets) Get(context.Context, []string) ([][]byte, error) {
	return nil, errors.New("connection refused")
}

func TestFetchSliceStoreFault(t *testing.T) {
	var log eventLog
	c := New(failingGets{NewMemoryStore()}, WithPrefix(testPrefix(t)), WithObserver(log.observe), WithBreaker(0, 0))
	defer c.Close()
	m := c.Method("Books.GetBook", time.Minute, "book:{id}")
	s := newBookTable(1, 2)
	ids := []int64{2, 1, 2}
	rctx, rec := Record(context.Background())
	got, err := getBooks(rctx, m, s, ids)
	uncached, _ := s.getBooks(context.Background(), ids)
	if err != nil || !reflect.DeepEqual(got, uncached) || rec.Status() != StatusBypass {
		t.Fatalf("got %v, %v (%v); want the uncached call's %v", titles(got), err, rec.Status(), titles(uncached))
	}
	if calls := s.takeCalls(); !reflect.DeepEqual(calls[0], ids) {
		t.Fatalf("repository called with %v, want the ids as they are", calls[0])
	}
	if log.n(EventError) != 1 {
		t.Fatalf("%d faults reported, want 1", log.n(EventError))
	}
}

func TestFetchSliceWithoutCache(t *testing.T) {
	s := newBookTable(1, 2)
	ids := []int64{2, 2, 1}
	got, err := getBooks(context.Background(), nil, s, ids)
	if err != nil || !slices.Equal(titles(got), []string{"1:v1", "2:v1"}) {
		t.Fatalf("got %v, %v", titles(got), err)
	}
	// In a database transaction: the ids as they are, nothing read.
	cs := &countingStore{Store: NewMemoryStore()}
	c := New(cs, WithPrefix(testPrefix(t)))
	defer c.Close()
	m := c.Method("Books.GetBook", time.Minute, "book:{id}")
	ctx, tx := BeginTx(context.Background())
	defer tx.Rollback()
	if _, err := getBooks(ctx, m, s, ids); err != nil || cs.gets.Load() != 0 {
		t.Fatalf("in a transaction: %v, %d reads of the store", err, cs.gets.Load())
	}
}

func TestFetchMap(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c, m := newBatchCache(t, st)
			m.NotFound(0, errNoBook)
			s := newBookTable(1, 2, 3)
			ctx := context.Background()
			fetch := func(ids ...int64) map[int64]book {
				got, err := FetchMap(ctx, m, ids, bookKey(m), s.getBookMap)
				if err != nil {
					t.Fatal(err)
				}
				settle(t, c)
				return got
			}
			fetch(1, 2)
			s.takeCalls()
			got := fetch(3, 4, 2, 1, 3)
			if len(got) != 3 || got[3].Title != "v1" || got[1].Title != "v1" {
				t.Fatalf("got %v", got)
			}
			if calls := s.takeCalls(); !reflect.DeepEqual(calls, [][]int64{{3, 4}}) {
				t.Fatalf("repository calls %v, want [[3 4]]", calls)
			}
			if got := fetch(4, 1); len(got) != 1 || s.takeCalls() != nil {
				t.Fatalf("got %v: 4 is cached as not found, 1 as a book", got)
			}
			s.fail = errors.New("down")
			c.Invalidate(ctx, "book")
			if got, err := FetchMap(ctx, m, []int64{1}, bookKey(m), s.getBookMap); err == nil || got != nil {
				t.Fatalf("got %v, %v; want the repository's error", got, err)
			}
		})
	}
}
