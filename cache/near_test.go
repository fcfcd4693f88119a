package cache

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// copyBook is what cachegen writes for book: a deep copy.
func copyBook(b book) book {
	b.Tags = slices.Clone(b.Tags)
	return b
}

// commandLog records the commands a client sends.
type commandLog struct {
	tripCounter
	cmds  [][]any
	trips int // pipelines
}

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.cmds = append(l.cmds, cmd.Args())
		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		l.trips++
		for _, cmd := range cmds {
			l.cmds = append(l.cmds, cmd.Args())
		}
		return next(ctx, cmds)
	}
}

func TestNearHitReadsOnlyTheVersions(t *testing.T) {
	client, _ := testRedis(t)
	log := &commandLog{}
	client.AddHook(log)
	var events eventLog
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithNearCache(NearCache{}), WithObserver(events.observe))
	m := c.Method("BookRepository.GetBook", time.Minute, "books", "authors").Copy(copyBook)
	r := newRepo("Dune")
	ctx := context.Background()

	if _, err := getBook(ctx, m, r, 7); err != nil {
		t.Fatal(err)
	}
	settle(t, c) // the miss stores its entry after returning
	log.cmds, log.trips = nil, 0
	for i := range 3 {
		b, err := getBook(ctx, m, r, 7)
		if err != nil || b.Title != "Dune" || len(b.Tags) != 2 {
			t.Fatalf("hit %d: %+v, %v", i, b, err)
		}
	}
	if r.loads.Load() != 1 || events.n(EventHit) != 3 || c.NearStats().Hits != 3 {
		t.Fatalf("%d loads, %d hits, %d near hits; want 1, 3 and 3", r.loads.Load(), events.n(EventHit), c.NearStats().Hits)
	}
	// One MGET of the two version keys per hit (a single Redis reads keys
	// of several hash tags at once); no entry.
	if log.trips != 0 || len(log.cmds) != 3 {
		t.Fatalf("%d pipelines and %d commands for 3 hits, want 0 and 3: %v", log.trips, len(log.cmds), log.cmds)
	}
	for _, cmd := range log.cmds {
		if len(cmd) != 3 || cmd[0] != "mget" {
			t.Fatalf("a near hit sent %v, want an MGET of the two version keys only", cmd)
		}
		for _, k := range cmd[1:] {
			if s, _ := k.(string); len(s) < 2 || s[len(s)-2:] != ":v" {
				t.Fatalf("a near hit read %v, which is not a version key", k)
			}
		}
	}
}

func TestNearHitsGiveCopies(t *testing.T) {
	for _, withCopier := range []bool{true, false} {
		c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithNearCache(NearCache{}))
		m := c.Method("BookRepository.GetBook", time.Minute, "books")
		if withCopier {
			m.Copy(copyBook)
		}
		r := newRepo("Dune")
		ctx := context.Background()
		first, _ := getBook(ctx, m, r, 1)
		first.Tags[0] = "changed by the first caller"
		for range 2 {
			b, _ := getBook(ctx, m, r, 1)
			if b.Tags[0] != "a" {
				t.Fatalf("copier %v: a near hit returned %v: callers share a value", withCopier, b.Tags)
			}
			b.Tags[0] = "changed again"
		}
		if c.NearStats().Hits != 2 {
			t.Fatalf("copier %v: %d near hits, want 2", withCopier, c.NearStats().Hits)
		}
	}
}

// TestNearCacheSeesOtherProcessesWrites: a write in another process
// changes the versions, so the near value is not served again.
func TestNearCacheSeesOtherProcessesWrites(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			store := sc.store(t)
			prefix := testPrefix(t)
			a := New(store, WithPrefix(prefix), WithNearCache(NearCache{}))
			b := New(store, WithPrefix(prefix))
			get := a.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
			r := newRepo("v1")
			ctx := context.Background()
			getBook(ctx, get, r, 1)
			getBook(ctx, get, r, 1) // near hit
			title := "v2"
			r.title.Store(&title)
			if err := b.Invalidate(ctx, "books"); err != nil {
				t.Fatal(err)
			}
			if got, _ := getBook(ctx, get, r, 1); got.Title != "v2" {
				t.Fatalf("after another process's write: %q", got.Title)
			}
		})
	}
}

func TestNearCacheIsBounded(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithNearCache(NearCache{MaxEntries: nearShards * 2}))
	m := c.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("Dune")
	for id := range int64(1000) {
		getBook(context.Background(), m, r, id)
	}
	st := c.NearStats()
	if st.Entries > nearShards*2 || st.Evicted < 1000-nearShards*2 || st.Bytes <= 0 {
		t.Fatalf("stats %+v: want at most %d entries, the rest evicted", st, nearShards*2)
	}
	c2 := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithNearCache(NearCache{MaxBytes: nearShards * 1024}))
	m2 := c2.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	for id := range int64(1000) {
		getBook(context.Background(), m2, r, id)
	}
	if st := c2.NearStats(); st.Bytes > nearShards*1024 || st.Evicted == 0 {
		t.Fatalf("stats %+v: want at most %d bytes", st, nearShards*1024)
	}
}

func TestNearCacheKeepsNotFound(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithNearCache(NearCache{}))
	errMissing := errorString("missing")
	m := c.Method("BookRepository.GetBook", time.Minute, "books").NotFound(0, errMissing)
	ctx := context.Background()
	var loads int
	get := func() error {
		k := m.Key()
		k.Int(1)
		_, err := Fetch(ctx, m, k, func(context.Context) (book, error) { loads++; return book{}, errMissing })
		return err
	}
	get()
	for range 2 {
		if err := get(); err != errMissing {
			t.Fatalf("near not-found hit: %v", err)
		}
	}
	if loads != 1 || c.NearStats().Hits != 2 {
		t.Fatalf("%d loads, %d near hits; want 1 and 2", loads, c.NearStats().Hits)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func TestNoStaleReadAfterWriteNearCache(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)
	prefix := testPrefix(t)
	var log eventLog
	db := &slowDB{}
	var procs [2]*versioned
	var caches [2]*Cache
	for i := range procs {
		caches[i] = New(NewRedisStore(client), WithPrefix(prefix), WithObserver(log.observe), WithNearCache(NearCache{}), WithStoreTimeout(2*time.Second))
		procs[i] = &versioned{db: db, get: caches[i].Method("DB.Get", time.Minute, "db").Copy(func(v int64) int64 { return v }),
			update: caches[i].Method("DB.Write", 0, "db")}
	}
	stale, reads := staleReads(t, &twoProcesses{procs: procs}, 700*time.Millisecond)
	near := caches[0].NearStats().Hits + caches[1].NearStats().Hits
	t.Logf("near cache: %d stale of %d reads, %d near hits", stale, reads, near)
	if stale != 0 {
		t.Fatalf("%d of %d reads returned data older than a completed write", stale, reads)
	}
	if near == 0 || log.n(EventError) != 0 {
		t.Fatalf("near hits %d, errors %d: the harness did not exercise the near cache", near, log.n(EventError))
	}
}

// TestInvalidationEventsNameTemplates: an invalidation of a member is
// reported with the template as declared, so that metrics labelled by
// namespace do not get a series per entity written.
func TestInvalidationEventsNameTemplates(t *testing.T) {
	var got [][]string
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithObserver(func(_ context.Context, e Event) {
		if e.Kind == EventInvalidate {
			got = append(got, e.Namespaces)
		}
	}))
	w := c.Method("R.Save", 0, "book:{id}", "books")
	ctx := context.Background()
	for id := range int64(3) {
		k := w.Key()
		k.Member()
		k.Int(id)
		w.InvalidateKey(ctx, k)
	}
	c.InvalidateMember(ctx, "book", int64(7))
	ctx2, tx := BeginTx(ctx)
	k := w.Key()
	k.Member()
	k.Int(9)
	w.InvalidateKey(ctx2, k)
	tx.Commit(ctx)
	want := [][]string{{"book:{id}", "books"}, {"book:{id}", "books"}, {"book:{id}", "books"}, {"book"}, {"book:{id}", "books"}, {"book:{id}", "books"}}
	if len(got) != len(want) {
		t.Fatalf("events %v, want %v", got, want)
	}
	for i := range want {
		if !slices.Equal(got[i], want[i]) && !(i == 5 && slices.Equal(got[i], []string{"books", "book:{id}"})) {
			t.Fatalf("event %d: namespaces %v, want %v (all: %v)", i, got[i], want[i], got)
		}
	}
}
