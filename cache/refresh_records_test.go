package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// TestRefreshKeepsTypedNotFoundRecord: a refresh whose load returns an
// error of a notfound= type stores the outcome with the record of that
// error, as a miss does: later hits, from Redis and from the near cache,
// return the load's message with its fields.
func TestRefreshKeepsTypedNotFoundRecord(t *testing.T) {
	for _, near := range []bool{false, true} {
		t.Run(fmt.Sprint("near=", near), func(t *testing.T) {
			ctx := context.Background()
			log := newRefreshLog()
			opts := []Option{WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet)}
			if near {
				opts = append(opts, WithNearCache(NearCache{}))
			}
			c := New(NewMemoryStore(), opts...)
			t.Cleanup(func() { c.Close() })
			m := Read[struct{}, book](c, "R.Get", time.Minute, "trainings").
				NotFound(0, ErrorAs[*missingError]()).Refresh(dueAtOnce)
			loadErr := fmt.Errorf("loading: %w", &missingError{ID: "t-1"})
			var loads atomic.Int64
			load := func(context.Context) (book, error) {
				if loads.Add(1) == 1 {
					return book{ID: 1, Title: "Dune"}, nil
				}
				return book{}, loadErr // deleted meanwhile, outside the cache
			}
			get := func() (book, error) {
				k := m.Key()
				k.Int(1)
				return Fetch(ctx, m, k, load)
			}
			if _, err := get(); err != nil {
				t.Fatal(err)
			}
			settle(t, c)
			if b, err := get(); err != nil || b.Title != "Dune" { // due: starts the refresh
				t.Fatalf("%+v %v", b, err)
			}
			await(t, log.refreshed, "refresh")
			_, err := get()
			var me *missingError
			if err == nil || err.Error() != loadErr.Error() || !errors.As(err, &me) || me.ID != "t-1" {
				t.Fatalf("hit after the refresh stored a not-found: %v (%+v); want %q with ID t-1", err, me, loadErr)
			}
			if n := loads.Load(); n != 2 {
				t.Fatalf("%d loads, want 2", n)
			}
		})
	}
}

// skewStore is the store as a process whose clock is ahead by skew writes
// it: the expiry its entries record (the header's @<Unix ms>) is skew later
// than this process's clock.
type skewStore struct {
	Store
	skew   time.Duration
	skewed atomic.Int64 // entries whose expiry was moved
}

func (s *skewStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if nl := bytes.IndexByte(value, '\n'); nl > 0 {
		if at := bytes.LastIndexByte(value[:nl], '@'); at > 0 {
			if n, err := strconv.ParseInt(string(value[at+1:nl]), 10, 64); err == nil {
				v := append([]byte(nil), value[:at+1]...)
				v = strconv.AppendInt(v, n+s.skew.Milliseconds(), 10)
				value = append(v, value[nl:]...)
				s.skewed.Add(1)
			}
		}
	}
	return s.Store.Set(ctx, key, value, ttl)
}

// TestNearValueOfARefreshedEntryLivesAtMostItsTTL: a near-cache value read
// from Redis lives at most its TTL after that read (guarantee 13), also
// when the entry records an expiry later than that (its writer's clock is
// ahead).
func TestNearValueOfARefreshedEntryLivesAtMostItsTTL(t *testing.T) {
	store := NewMemoryStore()
	prefix := testPrefix(t)
	const ttl = 200 * time.Millisecond
	skewed := &skewStore{Store: store, skew: time.Hour}
	writer := New(skewed, WithPrefix(prefix), WithLogger(quiet))
	reader := New(store, WithPrefix(prefix), WithLogger(quiet), WithNearCache(NearCache{}))
	t.Cleanup(func() { writer.Close(); reader.Close() })
	w := Read[struct{}, book](writer, "R.Get", ttl, "books").Refresh(100 * time.Millisecond)
	rm := Read[struct{}, book](reader, "R.Get", ttl, "books").Refresh(100 * time.Millisecond).Copy(copyBook)
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, w, r, 1)
	settle(t, writer)
	if skewed.skewed.Load() == 0 {
		t.Fatal("the writer's entry records no expiry to move: the entry header has changed")
	}
	if b, _ := getBook(ctx, rm, r, 1); b.Title != "v1" { // read from Redis, kept near
		t.Fatalf("%q", b.Title)
	}
	r.title.Store(ptr("v2")) // changed outside the annotated methods
	time.Sleep(3 * ttl)
	if b, _ := getBook(ctx, rm, r, 1); b.Title != "v2" {
		t.Fatalf("%v after the read (TTL %v), the near cache served %q", 3*ttl, ttl, b.Title)
	}
}
