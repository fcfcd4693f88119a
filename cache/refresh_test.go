package cache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// dueAtOnce is a refresh window that makes every entry of a method with a
// TTL of a minute due for refresh as soon as it is stored (jitter shortens
// TTLs, never lengthens them).
const dueAtOnce = time.Minute - time.Millisecond

// refreshLog passes the observer's refresh and error events to channels.
type refreshLog struct {
	refreshed chan Event
	faults    chan Event
}

func newRefreshLog() *refreshLog {
	return &refreshLog{refreshed: make(chan Event, 64), faults: make(chan Event, 64)}
}

func (l *refreshLog) observe(_ context.Context, e Event) {
	switch e.Kind {
	case EventRefresh:
		l.refreshed <- e
	case EventError:
		l.faults <- e
	}
}

// await returns the next event of ch, failing after 5s.
func await(t *testing.T, ch chan Event, what string) Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(5 * time.Second):
		t.Fatalf("no %s after 5s", what)
		return Event{}
	}
}

// claimStore reports each claim on an early refresh the store answered.
type claimStore struct {
	Store
	claims chan string
}

func (s *claimStore) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) ([]string, error) {
	cur, err := s.Store.InitVersions(ctx, keys, values, ttls)
	if len(keys) == 1 && strings.Contains(keys[0], "#refresh:") {
		s.claims <- keys[0]
	}
	return cur, err
}

// TestRefreshServesThenReloads: a hit on an entry due for refresh returns
// it, and the entry is reloaded in the background; the next read gets the
// reloaded value, as a hit. Without refresh it would get the old one until
// the entry expires.
func TestRefreshServesThenReloads(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			log := newRefreshLog()
			c := New(sc.store(t), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet))
			m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
			r := newRepo("Dune")
			if _, err := getBook(ctx, m, r, 1); err != nil {
				t.Fatal(err)
			}
			settle(t, c)
			r.title.Store(ptr("Dune Messiah")) // changed in the database, not through the cache
			rctx, rec := Record(ctx)
			b, err := getBook(rctx, m, r, 1)
			if err != nil || b.Title != "Dune" || rec.Status() != StatusHit {
				t.Fatalf("the hit that starts the refresh: %+v, %v, status %v; want the entry, a hit", b, err, rec.Status())
			}
			e := await(t, log.refreshed, "refresh")
			if e.Method != "Books.Get" || e.Load <= 0 {
				t.Fatalf("refresh event %+v", e)
			}
			if n := r.loads.Load(); n != 2 {
				t.Fatalf("%d loads, want 2: the miss and the refresh", n)
			}
			// (The new entry is due at once too: this hit refreshes it again.)
			rctx, rec = Record(ctx)
			b, err = getBook(rctx, m, r, 1)
			if err != nil || b.Title != "Dune Messiah" || rec.Status() != StatusHit {
				t.Fatalf("after the refresh: %+v, %v, status %v; want the reloaded value, a hit", b, err, rec.Status())
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestRefreshNotDue: hits on entries far from their expiry start no
// refresh.
func TestRefreshNotDue(t *testing.T) {
	ctx := context.Background()
	store := &claimStore{Store: NewMemoryStore(), claims: make(chan string, 64)}
	c := New(store, WithPrefix(testPrefix(t)), WithLogger(quiet))
	m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(time.Second)
	r := newRepo("Dune")
	for range 5 {
		if _, err := getBook(ctx, m, r, 1); err != nil {
			t.Fatal(err)
		}
		settle(t, c)
	}
	if n := r.loads.Load(); n != 1 || len(store.claims) != 0 {
		t.Fatalf("%d loads, %d claims: want 1 load and no refresh", n, len(store.claims))
	}
}

// TestRefreshOnceAcrossProcesses: four caches sharing a store, as four
// processes, all hit an entry due for refresh, many times: each process
// asks for the refresh once, and one load runs across them.
func TestRefreshOnceAcrossProcesses(t *testing.T) {
	ctx := context.Background()
	shared := NewMemoryStore()
	prefix := testPrefix(t)
	log := newRefreshLog()
	r := newRepo("Dune")
	gate := make(chan struct{})
	var procs [4]*Method
	var stores [4]*claimStore
	for i := range procs {
		stores[i] = &claimStore{Store: shared, claims: make(chan string, 64)}
		c := New(stores[i], WithPrefix(prefix), WithObserver(log.observe), WithLogger(quiet))
		procs[i] = Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
	}
	load := func(ctx context.Context) (book, error) {
		if r.loads.Add(1) > 1 {
			<-gate // a refresh: held until every process has asked for it
		}
		b, err := r.get(ctx, 1)
		r.loads.Add(-1) // counted on entry
		return b, err
	}
	warm := false
	read := func(m *Method) book {
		k := m.Key()
		k.Int(1)
		rctx, rec := Record(ctx)
		b, err := Fetch(rctx, m, k, load)
		if err != nil {
			t.Fatal(err)
		}
		if warm && rec.Status() != StatusHit {
			t.Fatalf("status %v after warm-up, want a hit", rec.Status())
		}
		return b
	}
	read(procs[0])
	settle(t, procs[0].c)
	warm = true
	r.title.Store(ptr("Dune Messiah"))
	for range 10 {
		for _, m := range procs {
			if b := read(m); b.Title != "Dune" {
				t.Fatalf("%+v before the refresh is stored", b)
			}
		}
	}
	for i, s := range stores {
		<-s.claims
		select {
		case k := <-s.claims:
			t.Fatalf("process %d asked twice for the refresh (%s)", i, k)
		default:
		}
	}
	close(gate)
	for _, m := range procs {
		if !m.c.refreshes.close(context.Background()) {
			t.Fatal("refreshes still running")
		}
	}
	await(t, log.refreshed, "refresh")
	if n := r.loads.Load(); n != 2 {
		t.Fatalf("%d loads, want 2: the first miss and one refresh", n)
	}
	// (The new entry is due at once too: these hits refresh it again.)
	for _, m := range procs {
		if b := read(m); b.Title != "Dune Messiah" {
			t.Fatalf("%+v after the refresh", b)
		}
	}
}

// TestRefreshKeepsInvalidation: a refresh whose load ran before a write
// committed stores its result tagged with the versions read before the
// load, so the write's invalidation holds: the next read loads again and
// gets the written value.
func TestRefreshKeepsInvalidation(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			log := newRefreshLog()
			c := New(sc.store(t), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet), WithNearCache(NearCache{}))
			m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
			w := c.Method("Books.Put", 0, "books")
			title := "Dune"
			var mu sync.Mutex
			started, gate := make(chan struct{}, 1), make(chan struct{})
			var loads int
			load := func(ctx context.Context) (book, error) {
				mu.Lock()
				t, n := title, loads
				loads++
				mu.Unlock()
				if n == 1 { // the refresh: it read the database before the write
					started <- struct{}{}
					<-gate
				}
				return book{ID: 1, Title: t}, nil
			}
			read := func() book {
				k := m.Key()
				k.Int(1)
				b, err := Fetch(ctx, m, k, load)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}
			read()
			settle(t, c)
			read() // a near hit, due: starts the refresh
			<-started
			mu.Lock()
			title = "Dune Messiah"
			mu.Unlock()
			if err := w.Invalidate(ctx); err != nil {
				t.Fatal(err)
			}
			close(gate)
			await(t, log.refreshed, "refresh")
			if b := read(); b.Title != "Dune Messiah" {
				t.Fatalf("after the write: %+v, the refresh's result from before it", b)
			}
		})
	}
}

// TestRefreshFailures: a refresh whose load fails stores nothing and
// fails no read.
func TestRefreshFailures(t *testing.T) {
	ctx := context.Background()
	log := newRefreshLog()
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet))
	m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
	var n int
	var mu sync.Mutex
	done := make(chan struct{}, 4)
	boom := errors.New("boom")
	load := func(ctx context.Context) (book, error) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		if i == 1 {
			return book{ID: 1, Title: "Dune"}, nil
		}
		defer func() { done <- struct{}{} }()
		return book{}, boom
	}
	read := func(id int64) book {
		k := m.Key()
		k.Int(id)
		b, err := Fetch(ctx, m, k, load)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	read(1)
	settle(t, c)
	if b := read(1); b.Title != "Dune" { // starts a refresh that fails
		t.Fatalf("%+v", b)
	}
	<-done
	// The entry is still served, and expires as it would have: this
	// process refreshes it no more (nor would another: the claim stays).
	for range 3 {
		if b := read(1); b.Title != "Dune" {
			t.Fatalf("%+v", b)
		}
	}
	mu.Lock()
	got := n
	mu.Unlock()
	if got != 2 {
		t.Fatalf("%d loads, want 2: the miss and the failed refresh", got)
	}
}

// TestRefreshPanicIsAFault: a panic in a refresh's load is reported and
// does not end the program.
func TestRefreshPanicIsAFault(t *testing.T) {
	ctx := context.Background()
	log := newRefreshLog()
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet))
	m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
	first := true
	load := func(ctx context.Context) (book, error) {
		if first {
			first = false
			return book{ID: 1, Title: "Dune"}, nil
		}
		panic("refresh load")
	}
	for range 2 {
		k := m.Key()
		k.Int(1)
		if b, err := Fetch(ctx, m, k, load); err != nil || b.Title != "Dune" {
			t.Fatalf("%+v, %v", b, err)
		}
		settle(t, c)
	}
	if e := await(t, log.faults, "fault"); e.Op != "load" || !strings.Contains(e.Err.Error(), "refresh load") {
		t.Fatalf("fault %+v", e)
	}
}

// TestRefreshWindowMustBeShorterThanTTL: Refresh panics on a window that
// would refresh on every hit; cachegen rejects it at generation time.
func TestRefreshWindowMustBeShorterThanTTL(t *testing.T) {
	c := New(NewMemoryStore())
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	c.Method("Books.Get", time.Minute, "books").Refresh(time.Minute)
}

// TestEntryExpiry: the header of an entry refreshed early records its
// expiry, which parseEntry ignores when it checks the versions.
func TestEntryExpiry(t *testing.T) {
	tok := "4f1c2a9e0b7d3c55"
	entry := append(appendEntryHeaderAt(nil, "json", []string{tok, tok}, 1765050000000), `{"id":1}`...)
	if got := string(entry); got != "cg1:json:"+tok+","+tok+"@1765050000000\n{\"id\":1}" {
		t.Fatalf("entry %q", got)
	}
	if e := entryExpiry(entry); e != 1765050000000 {
		t.Fatalf("expiry %d", e)
	}
	payload, nf, _, current, err := parseEntry(entry, "json", [][]byte{[]byte(tok), []byte(tok)})
	if err != nil || !current || nf != -1 || string(payload) != `{"id":1}` {
		t.Fatalf("parseEntry: %q %d %v %v", payload, nf, current, err)
	}
	if e := entryExpiry(append(appendEntryHeader(nil, "json", []string{tok}), `{"t":"a@1"}`...)); e != 0 {
		t.Fatalf("expiry %d of an entry that records none", e)
	}
}

// TestCloseWaitsForRefreshes: Close returns once a refresh running has
// stored its entry, and no refresh starts after Close.
func TestCloseWaitsForRefreshes(t *testing.T) {
	ctx := context.Background()
	store := NewMemoryStore()
	c := New(store, WithPrefix(testPrefix(t)), WithLogger(quiet))
	m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
	started, gate := make(chan struct{}, 1), make(chan struct{})
	var loads int
	load := func(ctx context.Context) (book, error) {
		loads++
		if loads == 2 {
			started <- struct{}{}
			<-gate
			return book{ID: 1, Title: "Dune Messiah"}, nil
		}
		return book{ID: 1, Title: "Dune"}, nil
	}
	read := func() book {
		t.Helper()
		k := m.Key()
		k.Int(1)
		b, err := Fetch(ctx, m, k, load)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	read()
	settle(t, c)
	read() // due: starts the refresh
	<-started
	closed := make(chan error)
	go func() { closed <- c.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while a refresh was loading", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(gate)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	// The refresh stored its entry before Close returned: a new Cache over
	// the same store hits it.
	c2 := New(store, WithPrefix(c.prefix), WithLogger(quiet))
	m2 := Read[struct{}, book](c2, "Books.Get", time.Minute, "books")
	k := m2.Key()
	k.Int(1)
	b, err := Fetch(ctx, m2, k, func(context.Context) (book, error) { return book{}, errors.New("loaded") })
	if err != nil || b.Title != "Dune Messiah" {
		t.Fatalf("after Close: %+v, %v; want the refreshed entry", b, err)
	}
	if b := read(); b.Title != "Dune Messiah" || loads != 2 {
		t.Fatalf("a due hit after Close: %+v after %d loads; want the entry and no refresh", b, loads)
	}
}

// TestCloseCancelsAHangingRefresh: a refresh whose load does not end
// holds Close back no longer than the store timeout; its load's context
// is then cancelled.
func TestCloseCancelsAHangingRefresh(t *testing.T) {
	ctx := context.Background()
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet), WithStoreTimeout(100*time.Millisecond))
	m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
	started, ended := make(chan struct{}, 1), make(chan error, 1)
	var loads int
	load := func(ctx context.Context) (book, error) {
		loads++
		if loads == 2 {
			started <- struct{}{}
			<-ctx.Done()
			ended <- ctx.Err()
			return book{}, ctx.Err()
		}
		return book{ID: 1, Title: "Dune"}, nil
	}
	for range 2 {
		k := m.Key()
		k.Int(1)
		if _, err := Fetch(ctx, m, k, load); err != nil {
			t.Fatal(err)
		}
		settle(t, c)
	}
	<-started
	begun := time.Now()
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(begun); took > 2*time.Second {
		t.Fatalf("Close took %v with a store timeout of 100ms", took)
	}
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("the load's context ended with %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the hanging refresh's context was not cancelled by Close")
	}
}

// TestRefreshLoadHasADeadline: a refresh's load runs without the caller's
// cancellation, but not forever: its context ends when the entry expires
// (or a second from the start, if later).
func TestRefreshLoadHasADeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet))
	m := Read[struct{}, book](c, "Books.Get", time.Minute, "books").Refresh(dueAtOnce)
	deadlines := make(chan time.Time, 1)
	var loads int
	load := func(lctx context.Context) (book, error) {
		loads++
		if loads == 2 {
			cancel() // the caller's context ends: the refresh goes on
			d, ok := lctx.Deadline()
			if !ok || lctx.Err() != nil {
				t.Errorf("refresh load's context: deadline %v (%v), err %v", d, ok, lctx.Err())
			}
			deadlines <- d
		}
		return book{ID: 1, Title: "Dune"}, nil
	}
	before := time.Now()
	for range 2 {
		k := m.Key()
		k.Int(1)
		if _, err := Fetch(ctx, m, k, load); err != nil {
			t.Fatal(err)
		}
		settle(t, c)
	}
	select {
	case d := <-deadlines:
		// The entry's TTL is a minute, less jitter: expiry is well over a
		// second away, and at most a minute.
		if d.Before(before.Add(time.Second)) || d.After(time.Now().Add(time.Minute)) {
			t.Fatalf("deadline %v, %v after the first read; want the entry's expiry", d, d.Sub(before))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no refresh")
	}
}
