package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

func TestFetchMissThenHit(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			var log eventLog
			c := New(sc.store(t), WithPrefix(testPrefix(t)), WithObserver(log.observe))
			m := c.Method("BookRepository.GetBook", time.Minute, "books")
			r := newRepo("Dune")
			ctx := context.Background()

			for i := range 3 {
				rctx, rec := Record(ctx)
				b, err := getBook(rctx, m, r, 7)
				if err != nil {
					t.Fatal(err)
				}
				if b.ID != 7 || b.Title != "Dune" || len(b.Tags) != 2 {
					t.Fatalf("call %d: got %+v", i, b)
				}
				want := StatusHit
				if i == 0 {
					want = StatusMiss
				}
				if got := rec.Status(); got != want {
					t.Fatalf("call %d: status %v, want %v", i, got, want)
				}
				if rec.TTL() != time.Minute {
					t.Fatalf("call %d: recorded TTL %v, want 1m", i, rec.TTL())
				}
			}
			if got := r.loads.Load(); got != 1 {
				t.Fatalf("repository loads = %d, want 1", got)
			}
			if log.n(EventHit) != 2 || log.n(EventMiss) != 1 || log.n(EventError) != 0 {
				t.Fatalf("events: hit %d miss %d error %d", log.n(EventHit), log.n(EventMiss), log.n(EventError))
			}
			// A different argument is a different entry.
			if _, err := getBook(ctx, m, r, 8); err != nil {
				t.Fatal(err)
			}
			if got := r.loads.Load(); got != 2 {
				t.Fatalf("repository loads = %d, want 2", got)
			}
		})
	}
}

func TestInvalidate(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			c := New(sc.store(t), WithPrefix(testPrefix(t)))
			get := c.Method("BookRepository.GetBook", time.Minute, "books", "authors")
			writeBooks := c.Method("BookRepository.UpdateBook", 0, "books")
			r := newRepo("v1")
			ctx := context.Background()

			mustTitle := func(want string) {
				t.Helper()
				b, err := getBook(ctx, get, r, 1)
				if err != nil {
					t.Fatal(err)
				}
				if b.Title != want {
					t.Fatalf("title %q, want %q", b.Title, want)
				}
			}
			mustTitle("v1")
			title := "v2"
			r.title.Store(&title)
			mustTitle("v1") // cached
			if err := writeBooks.Invalidate(ctx); err != nil {
				t.Fatal(err)
			}
			mustTitle("v2")

			title3 := "v3"
			r.title.Store(&title3)
			mustTitle("v2")
			// The second namespace invalidates the entry too.
			if err := c.Invalidate(ctx, "authors"); err != nil {
				t.Fatal(err)
			}
			mustTitle("v3")
			if got := r.loads.Load(); got != 3 {
				t.Fatalf("loads = %d, want 3", got)
			}
			// Another namespace leaves the entry alone.
			if err := c.Invalidate(ctx, "categories"); err != nil {
				t.Fatal(err)
			}
			mustTitle("v3")
			if got := r.loads.Load(); got != 3 {
				t.Fatalf("loads = %d, want 3", got)
			}
		})
	}
}

func TestInvalidateRejectsBadNamespace(t *testing.T) {
	c := New(NewMemoryStore())
	for _, ns := range []string{"", "a{b", "a}", "a*", "a?", "a[b", "a b", "a\tb"} {
		if err := c.Invalidate(context.Background(), ns); err == nil {
			t.Errorf("Invalidate(%q) = nil, want error", ns)
		}
	}
}

func TestErrorsAreNotCached(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			c := New(sc.store(t), WithPrefix(testPrefix(t)))
			m := c.Method("R.Get", time.Minute, "ns")
			errNotFound := errors.New("not found")
			calls := 0
			load := func(ctx context.Context) (*book, error) {
				calls++
				if calls == 1 {
					return &book{Title: "partial"}, errNotFound
				}
				return &book{Title: "ok"}, nil
			}
			b, err := Fetch(context.Background(), m, m.Key(), load)
			if !errors.Is(err, errNotFound) || b == nil || b.Title != "partial" {
				t.Fatalf("first call: %+v, %v; want the repository's own results", b, err)
			}
			b, err = Fetch(context.Background(), m, m.Key(), load)
			if err != nil || b.Title != "ok" || calls != 2 {
				t.Fatalf("second call: %+v, %v, calls %d", b, err, calls)
			}
		})
	}
}

// TestNotFoundLoadIsAMiss: a load whose not-found error is stored is a miss,
// for the Recorder and the observer, as a stored value is; the next call is
// a hit. An error that is not stored is neither.
func TestNotFoundLoadIsAMiss(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			var log eventLog
			c := New(sc.store(t), WithPrefix(testPrefix(t)), WithObserver(log.observe))
			errMissing := errors.New("missing")
			m := c.Method("R.Get", time.Minute, "ns").NotFound(0, errMissing)
			loads := 0
			get := func(id int64, loadErr error) (Status, error) {
				k := m.Key()
				k.Int(id)
				ctx, rec := Record(context.Background())
				_, err := Fetch(ctx, m, k, func(context.Context) (book, error) {
					loads++
					return book{}, loadErr
				})
				return rec.Status(), err
			}
			wrapped := fmt.Errorf("book 7: %w", errMissing)
			if st, err := get(7, wrapped); st != StatusMiss || err != wrapped || log.n(EventMiss) != 1 {
				t.Fatalf("first call: status %v, %v, %d miss events; want miss, the load's error, 1", st, err, log.n(EventMiss))
			}
			if st, err := get(7, wrapped); st != StatusHit || err != errMissing || loads != 1 || log.n(EventHit) != 1 {
				t.Fatalf("second call: status %v, %v, %d loads, %d hit events; want hit, the error variable, 1, 1", st, err, loads, log.n(EventHit))
			}
			if st, err := get(8, errors.New("down")); st != StatusNone || err == nil || log.n(EventMiss) != 1 {
				t.Fatalf("an error that is not cached: status %v, %v, %d miss events; want none, the error, 1", st, err, log.n(EventMiss))
			}
		})
	}
}

func TestSingleflightSharesOneLoadAndCopies(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			c := New(sc.store(t), WithPrefix(testPrefix(t)))
			m := c.Method("R.List", time.Minute, "ns")
			const n = 20
			var loads int
			var mu sync.Mutex
			release := make(chan struct{})
			load := func(ctx context.Context) ([]string, error) {
				mu.Lock()
				loads++
				mu.Unlock()
				<-release
				return []string{"a", "b"}, nil
			}
			results := make([][]string, n)
			var wg waitGroup
			for i := range n {
				wg.Go(func() {
					v, err := Fetch(context.Background(), m, m.Key(), load)
					if err != nil {
						t.Error(err)
					}
					results[i] = v
				})
			}
			time.Sleep(100 * time.Millisecond) // let every caller reach the flight
			close(release)
			wg.Wait()
			if loads != 1 {
				t.Fatalf("loads = %d, want 1", loads)
			}
			for i := range results {
				results[i][0] = strings.Repeat("x", i) // each caller owns its slice
			}
			for i := range results {
				if results[i][0] != strings.Repeat("x", i) || results[i][1] != "b" {
					t.Fatalf("result %d shares memory with another caller: %v", i, results[i])
				}
			}
		})
	}
}

func TestCancelledCallerDoesNotFailOthers(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)))
	m := c.Method("R.Get", time.Minute, "ns")
	started := make(chan struct{})
	var once sync.Once
	load := func(ctx context.Context) (string, error) {
		once.Do(func() { close(started) })
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(200 * time.Millisecond):
			return "value", nil
		}
	}
	ctx1, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		_, err := Fetch(ctx1, m, m.Key(), load)
		errs <- err
	}()
	<-started
	done := make(chan struct{})
	var got string
	var err2 error
	go func() {
		got, err2 = Fetch(context.Background(), m, m.Key(), load)
		close(done)
	}()
	time.Sleep(20 * time.Millisecond) // the second caller joins the flight
	cancel()
	if err := <-errs; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: err = %v, want context.Canceled", err)
	}
	<-done
	if err2 != nil || got != "value" {
		t.Fatalf("other caller: %q, %v; want value, nil", got, err2)
	}
}

func TestDisabledReadsBypassButWritesInvalidate(t *testing.T) {
	store := NewMemoryStore()
	prefix := testPrefix(t)
	off := New(store, WithPrefix(prefix), WithDisabled(true))
	on := New(store, WithPrefix(prefix))
	r := newRepo("v1")
	ctx := context.Background()
	for range 2 {
		rctx, rec := Record(ctx)
		if _, err := getBook(rctx, off.Method("R.Get", time.Minute, "books"), r, 1); err != nil {
			t.Fatal(err)
		}
		if rec.Status() != StatusBypass {
			t.Fatalf("status %v, want bypass", rec.Status())
		}
	}
	if r.loads.Load() != 2 {
		t.Fatalf("disabled cache: loads = %d, want 2", r.loads.Load())
	}
	getOn := on.Method("R.Get", time.Minute, "books")
	getBook(ctx, getOn, r, 1)
	v2 := "v2"
	r.title.Store(&v2)
	if err := off.Method("R.Update", 0, "books").Invalidate(ctx); err != nil {
		t.Fatal(err)
	}
	if b, _ := getBook(ctx, getOn, r, 1); b.Title != "v2" {
		t.Fatalf("after a disabled process's write: %q, want v2", b.Title)
	}
}

func TestNilCachePassesThrough(t *testing.T) {
	var c *Cache
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	for range 2 {
		if _, err := getBook(context.Background(), m, r, 1); err != nil {
			t.Fatal(err)
		}
	}
	if r.loads.Load() != 2 {
		t.Fatalf("loads = %d, want 2", r.loads.Load())
	}
	if err := m.Invalidate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := c.Invalidate(context.Background(), "books"); err != nil {
		t.Fatal(err)
	}
}

func TestJitterOnlyShortens(t *testing.T) {
	ttl := 300 * time.Second
	seen := map[time.Duration]bool{}
	for range 1000 {
		d := jitter(ttl)
		if d > ttl || d < ttl*95/100 {
			t.Fatalf("jitter(%v) = %v, want within [95%%, 100%%]", ttl, d)
		}
		seen[d] = true
	}
	if len(seen) < 100 {
		t.Fatalf("jitter gave only %d distinct values in 1000 draws", len(seen))
	}
}

func TestEntryTTL(t *testing.T) {
	client, mr := testRedis(t)
	prefix := testPrefix(t)
	c := New(NewRedisStore(client), WithPrefix(prefix))
	m := c.Method("R.Get", 10*time.Second, "books")
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, c)
	key := prefix + ":{books}:R.Get:1"
	ttl, err := client.PTTL(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	if ttl > 10*time.Second || ttl < 9*time.Second {
		t.Fatalf("PTTL %s = %v, want within (9s, 10s]", key, ttl)
	}
	if vttl := client.PTTL(ctx, prefix+":{books}:v").Val(); vttl != -1 {
		t.Fatalf("version key TTL = %v, want none (-1)", vttl)
	}
	if mr != nil {
		mr.FastForward(11 * time.Second)
		getBook(ctx, m, r, 1)
		if r.loads.Load() != 2 {
			t.Fatalf("after expiry: loads = %d, want 2", r.loads.Load())
		}
	}
}

func TestMemoryStoreTTL(t *testing.T) {
	s := NewMemoryStore().(*memoryStore)
	now := time.Unix(1000, 0)
	s.now = func() time.Time { return now }
	c := New(s, WithPrefix(testPrefix(t)))
	m := c.Method("R.Get", 10*time.Second, "books")
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, c) // stored at the time of the miss
	now = now.Add(9 * time.Second)
	getBook(ctx, m, r, 1)
	if r.loads.Load() != 1 {
		t.Fatalf("before expiry: loads = %d, want 1", r.loads.Load())
	}
	now = now.Add(2 * time.Second)
	getBook(ctx, m, r, 1)
	if r.loads.Load() != 2 {
		t.Fatalf("after expiry: loads = %d, want 2", r.loads.Load())
	}
}

func TestMemoryStoreSweepsExpiredItems(t *testing.T) {
	s := NewMemoryStore().(*memoryStore)
	now := time.Unix(1000, 0)
	s.now = func() time.Time { return now }
	ctx := context.Background()
	for i := range sweepEvery - 1 {
		s.Set(ctx, fmt.Sprint("old", i), []byte("x"), time.Second)
	}
	now = now.Add(2 * time.Second)
	s.Set(ctx, "new", []byte("x"), time.Minute) // the sweeping write
	if len(s.items) != 1 {
		t.Fatalf("%d items left after the sweep, want 1", len(s.items))
	}
}

func TestKeyLayout(t *testing.T) {
	// A Redis of the test's own: KEYS over a shared one blocks it for every
	// client (a second over the 3.6M keys other runs had left), and timed
	// out here.
	client := redis.NewClient(testClientOptions(miniredis.RunT(t).Addr()))
	t.Cleanup(func() { client.Close() })
	prefix := testPrefix(t)
	c := New(NewRedisStore(client), WithPrefix(prefix))
	m := c.Method("BookRepository.Search", time.Minute, "books", "authors")
	ctx := context.Background()
	k := m.Key()
	k.String("a:b")
	k.Int(3)
	if _, err := Fetch(ctx, m, k, func(context.Context) (int, error) { return 1, nil }); err != nil {
		t.Fatal(err)
	}
	settle(t, c)
	// SCAN, not KEYS: one KEYS over a shared Redis of millions of keys
	// outlasts the client's read timeout.
	var keys []string
	iter := client.Scan(ctx, 0, prefix+":*", 10000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		prefix + ":{books}:v":                             true,
		prefix + ":{authors}:v":                           true,
		prefix + ":{books}:BookRepository.Search:a%3Ab:3": true,
	}
	if len(keys) != len(want) {
		t.Fatalf("keys %v, want %v", keys, want)
	}
	for _, k := range keys {
		if !want[k] {
			t.Fatalf("unexpected key %q; want %v", k, want)
		}
	}
	v, _ := client.Get(ctx, prefix+":{books}:BookRepository.Search:a%3Ab:3").Result()
	bv, _ := client.Get(ctx, prefix+":{books}:v").Result()
	av, _ := client.Get(ctx, prefix+":{authors}:v").Result()
	if want := "cg1:json:" + bv + "," + av + "\n1"; v != want {
		t.Fatalf("entry %q, want %q", v, want)
	}
}
