package cache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"
)

// dayRow is a row keyed by a time.Time, as a batch read with
// ids []time.Time and by=Day is generated.
type dayRow struct {
	Day   time.Time `json:"day"`
	Total int       `json:"total"`
}

// dayKey is the key generated code writes for one time.Time id of a batch
// read annotated namespace=day:{ids}.
func dayKey(m *Method) func(time.Time) Key {
	return func(id time.Time) Key {
		k := m.Key()
		k.Member()
		k.Time(id)
		k.Args()
		k.Time(id)
		return k
	}
}

func dayOf(r dayRow) (time.Time, bool) { return r.Day, true }

// dayTable answers like SELECT ... WHERE day IN (...): one row per distinct
// instant it holds, in UTC, as a database driver returns times.
type dayTable struct {
	mu   sync.Mutex
	rows map[int64]int // Unix seconds -> total
}

func (d *dayTable) get(_ context.Context, ids []time.Time) ([]dayRow, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[int64]bool{}
	var out []dayRow
	for _, id := range ids {
		s := id.Unix()
		if tot, ok := d.rows[s]; ok && !seen[s] {
			seen[s] = true
			out = append(out, dayRow{Day: time.Unix(s, 0).UTC(), Total: tot})
		}
	}
	return out, nil
}

// TestFetchSliceMatchesRowsByKey: rows are matched back to ids by their
// keys, not by ==: a time asked in one zone and returned in another is the
// same id, found, and not cached as not found; one instant asked in two
// zones is one id with one entry.
func TestFetchSliceMatchesRowsByKey(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c := New(st.store(t), WithPrefix(testPrefix(t)))
			t.Cleanup(func() { c.Close() })
			m := c.Method("Days.GetDays", time.Minute, "day:{ids}").NotFound(0, errNoBook)
			tbl := &dayTable{rows: map[int64]int{1700000000: 42}}
			utc := time.Unix(1700000000, 0).UTC()
			cet := utc.In(time.FixedZone("CET", 3600))
			ctx := context.Background()
			for round, ids := range [][]time.Time{{cet}, {utc}, {utc, cet}, {cet, utc}} {
				got, err := FetchSlice(ctx, m, ids, dayKey(m), dayOf, tbl.get)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 1 || got[0].Total != 42 {
					t.Fatalf("round %d, ids %v: got %v, want the one row", round, ids, got)
				}
				settle(t, c)
			}
		})
	}
}

// orgKey is an id holding a pointer: equal ids hold pointers to equal
// strings, not the same pointer.
type orgKey struct {
	Org *string `json:"org"`
	ID  int64   `json:"id"`
}

type orgRow struct {
	Key  orgKey `json:"key"`
	Name string `json:"name"`
}

// TestFetchSliceMatchesIDsHoldingPointers: a repository that returns ids
// holding pointers of its own (as rows scanned from a database do) has its
// rows matched to the caller's ids.
func TestFetchSliceMatchesIDsHoldingPointers(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)))
	t.Cleanup(func() { c.Close() })
	m := c.Method("Orgs.Rows", time.Minute, "org")
	key := func(id orgKey) Key {
		k := m.Key()
		k.Open('(')
		if id.Org == nil {
			k.Nil()
		} else {
			k.Ref()
			k.String(*id.Org)
		}
		k.Int(id.ID)
		k.Close(')')
		return k
	}
	load := func(_ context.Context, ids []orgKey) ([]orgRow, error) {
		var out []orgRow
		for _, id := range ids {
			org := *id.Org // a copy, as a scan makes
			out = append(out, orgRow{Key: orgKey{Org: &org, ID: id.ID}, Name: fmt.Sprint(org, id.ID)})
		}
		return out, nil
	}
	by := func(r orgRow) (orgKey, bool) { return r.Key, true }
	a, b := "a", "b"
	ids := []orgKey{{&a, 1}, {&b, 2}}
	for round := range 2 {
		got, err := FetchSlice(context.Background(), m, ids, key, by, load)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "a1" || got[1].Name != "b2" {
			t.Fatalf("round %d: got %+v, want the rows a1 and b2", round, got)
		}
		settle(t, c)
	}
}

// TestFetchSliceSkipsSharedEntriesNamingNoID: a single read's entry that
// the batch shares, holding a nil pointer or a zero value the single read
// returned for a missing row, is not an element of the batch: the uncached
// batch read would not return it.
func TestFetchSliceSkipsSharedEntriesNamingNoID(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c, m := newBatchCache(t, st)
			ptrs := Read[struct{}, *book](c, "Books.GetBookPtr", time.Minute, "book:{id}")
			s := newBookTable(1)
			ctx := context.Background()
			// Single reads of the missing book 2.
			if v, err := Fetch(ctx, m, bookKey(m)(2), func(context.Context) (book, error) { return book{}, nil }); err != nil || v.ID != 0 {
				t.Fatal(v, err)
			}
			if v, err := Fetch(ctx, ptrs, bookKey(ptrs)(2), func(context.Context) (*book, error) { return nil, nil }); err != nil || v != nil {
				t.Fatal(v, err)
			}
			settle(t, c)
			got, err := getBooks(ctx, m, s, []int64{1, 2})
			if err != nil || len(got) != 1 || got[0].ID != 1 {
				t.Errorf("values: got %+v, %v; want book 1 alone", got, err)
			}
			ptrID := func(b *book) (int64, bool) {
				if b == nil {
					return 0, false
				}
				return b.ID, true
			}
			loadPtrs := func(ctx context.Context, ids []int64) ([]*book, error) {
				rows, err := s.getBooks(ctx, ids)
				var out []*book
				for i := range rows {
					out = append(out, &rows[i])
				}
				return out, err
			}
			gotPtrs, err := FetchSlice(ctx, ptrs, []int64{1, 2}, bookKey(ptrs), ptrID, loadPtrs)
			if err != nil || len(gotPtrs) != 1 || gotPtrs[0] == nil || gotPtrs[0].ID != 1 {
				t.Errorf("pointers: got %v, %v; want book 1 alone", gotPtrs, err)
			}
		})
	}
}

// batchNF is a not-found error type, matched with errors.As.
type batchNF struct {
	ID int64 `json:"id"`
}

func (e *batchNF) Error() string { return fmt.Sprintf("book %d not found", e.ID) }

// TestFetchSliceTypedNotFound: an id the repository does not return is not
// cached as not found when the method's not-found error is a type: the
// batch has no error of the repository's to record, and a single read
// sharing the entry would return one that is not the repository's.
func TestFetchSliceTypedNotFound(t *testing.T) {
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			c := New(st.store(t), WithPrefix(testPrefix(t)))
			t.Cleanup(func() { c.Close() })
			m := Read[struct{}, book](c, "Books.GetBook", time.Minute, "book:{id}").NotFound(0, ErrorAs[*batchNF]())
			s := newBookTable(1)
			ctx := context.Background()
			getOne := func(ctx context.Context, id int64) (book, error) {
				rows, err := s.getBooks(ctx, []int64{id})
				if err != nil {
					return book{}, err
				}
				if len(rows) == 0 {
					return book{}, &batchNF{ID: id}
				}
				return rows[0], nil
			}
			if _, err := FetchSlice(ctx, m, []int64{1, 5}, bookKey(m), bookID, s.getBooks); err != nil {
				t.Fatal(err)
			}
			settle(t, c)
			_, err := Fetch(ctx, m, bookKey(m)(5), func(ctx context.Context) (book, error) { return getOne(ctx, 5) })
			var nf *batchNF
			if !errors.As(err, &nf) || err.Error() != "book 5 not found" || nf.ID != 5 {
				t.Errorf("single read of 5 after the batch: %v (%+v); want the repository's error for book 5", err, nf)
			}
		})
	}
}

// TestFetchSliceMatchesEqualIDsOfOtherKeys: an id == to the one asked for
// but of another key (-0 for 0) still names it, as == did before keys.
func TestFetchSliceMatchesEqualIDsOfOtherKeys(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)))
	t.Cleanup(func() { c.Close() })
	m := c.Method("Rates.Get", time.Minute, "rate").NotFound(0, errNoBook)
	type rate struct{ At float64 }
	key := func(id float64) Key {
		k := m.Key()
		k.Float(id)
		return k
	}
	negZero := math.Copysign(0, -1)
	load := func(_ context.Context, ids []float64) ([]rate, error) {
		return []rate{{At: 0}}, nil // the database's 0 for the -0 asked
	}
	by := func(r rate) (float64, bool) { return r.At, true }
	for round := range 2 {
		got, err := FetchSlice(context.Background(), m, []float64{negZero}, key, by, load)
		if err != nil || len(got) != 1 {
			t.Fatalf("round %d: %v, %v; want the row of 0", round, got, err)
		}
		settle(t, c)
	}
}
