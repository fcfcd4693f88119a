package cache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Coalesced reads: concurrent reads of one entry share one round trip, and
// a caller never shares a read sent before it came.

// waiting returns how many callers wait for the next read of key.
func (g *readGroup) waiting(key string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if b := g.reads[key].next; b != nil {
		return b.waiters
	}
	return 0
}

// inFlight returns how many keys have reads in flight.
func (g *readGroup) inFlight() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.reads)
}

// joinInFlight coalesces reads the wrong way: a caller shares a read of
// the same keys that is already on its way. It exists to show that the
// tests below catch that.
type joinInFlight struct {
	Store
	mu     sync.Mutex
	calls  map[string]*sharedGet
	joined atomic.Int64
}

type sharedGet struct {
	done chan struct{}
	vals [][]byte
	err  error
}

func (s *joinInFlight) Get(ctx context.Context, keys []string) ([][]byte, error) {
	k := strings.Join(keys, "\n")
	s.mu.Lock()
	if g, ok := s.calls[k]; ok {
		s.mu.Unlock()
		s.joined.Add(1)
		<-g.done
		return g.vals, g.err
	}
	if s.calls == nil {
		s.calls = map[string]*sharedGet{}
	}
	g := &sharedGet{done: make(chan struct{})}
	s.calls[k] = g
	s.mu.Unlock()
	g.vals, g.err = s.Store.Get(ctx, keys)
	s.mu.Lock()
	delete(s.calls, k)
	s.mu.Unlock()
	close(g.done)
	return g.vals, g.err
}

// TestCoalescedReadIsSentAfterTheCallerCame: caller A's read is on its way
// (Redis has answered with version v1) when a write returns; caller B starts
// after that and must get v2. Sharing A's read would give B v1, which the
// scenario shows with joinInFlight. A's read is its own, or one it shares
// with other callers, sent by the group when the read before completed.
func TestCoalescedReadIsSentAfterTheCallerCame(t *testing.T) {
	scenario := func(t *testing.T, wrong, shared bool) (a, b string) {
		gs := &gatedStore{Store: NewMemoryStore()}
		var store Store = gs
		js := &joinInFlight{Store: gs}
		if wrong {
			store = js
		}
		prefix := testPrefix(t)
		key := prefix + ":{books}:R.Get:1"
		c := New(store, WithPrefix(prefix), WithReadCoalescing(!wrong), WithStoreTimeout(10*time.Second))
		get, write := c.Method("R.Get", time.Minute, "books"), c.Method("R.Write", 0, "books")
		r := newRepo("v1")
		ctx := context.Background()
		getBook(ctx, get, r, 1)
		settle(t, c)

		release := gs.gets.close()
		defer release()
		var ba, bb book
		var aDone <-chan struct{}
		if shared {
			// A waits for the read after L's, which the group sends.
			lDone := async(func() { getBook(ctx, get, r, 1) })
			waitFor(t, "L's read is on its way", func() bool { return gs.gets.waiting.Load() == 1 })
			releaseL := release
			release = gs.gets.close()
			defer release()
			for range 2 {
				async(func() { getBook(ctx, get, r, 1) }) // other callers sharing A's read
			}
			aDone = async(func() { ba, _ = getBook(ctx, get, r, 1) })
			waitFor(t, "A waits for the next read", func() bool { return c.reads.waiting(key) == 3 })
			releaseL()
			<-lDone
			waitFor(t, "A's read is on its way", func() bool { return gs.gets.waiting.Load() == 1 && c.reads.waiting(key) == 0 })
		} else {
			aDone = async(func() { ba, _ = getBook(ctx, get, r, 1) })
			waitFor(t, "A's read is on its way", func() bool { return gs.gets.waiting.Load() == 1 })
		}
		v2 := "v2"
		r.title.Store(&v2)
		if err := write.Invalidate(ctx); err != nil {
			t.Fatal(err)
		}
		bDone := async(func() { bb, _ = getBook(ctx, get, r, 1) })
		// B has come when it waits for the next read (or, for a wrong
		// implementation, when it shares A's).
		waitUntil(time.Second, func() bool { return c.reads.waiting(key) == 1 || js.joined.Load() == 1 })
		gs.gets.letThrough()
		release()
		<-aDone
		<-bDone
		return ba.Title, bb.Title
	}
	for _, shared := range []bool{false, true} {
		a, b := scenario(t, false, shared)
		t.Logf("read in flight shared %v: A (overlapping the write) read %q, B (after it) %q", shared, a, b)
		if b != "v2" {
			t.Fatalf("read in flight shared %v: B started after the write returned and read %q, want v2", shared, b)
		}
	}
	if _, b := scenario(t, true, false); b != "v1" {
		t.Fatalf("joining the read in flight, B read %q: the scenario does not catch the stale read it gives", b)
	}
}

func TestCoalescedReadsShareOneRoundTrip(t *testing.T) {
	t.Run("entries", func(t *testing.T) { testCoalescedReads(t) })
	// Near hits read only the versions; those reads are shared too.
	t.Run("near cache", func(t *testing.T) { testCoalescedReads(t, WithNearCache(NearCache{})) })
}

func testCoalescedReads(t *testing.T, opts ...Option) {
	run := func(t *testing.T, on bool) (reads, gets int64) {
		slow := &slowGets{Store: NewMemoryStore(), delay: time.Millisecond}
		c := New(slow, append([]Option{WithPrefix(testPrefix(t)), WithReadCoalescing(on), WithStoreTimeout(10 * time.Second)}, opts...)...) // no timeouts on a loaded machine
		m := c.Method("R.Get", time.Minute, "books").Copy(copyBook)
		r := newRepo("v1")
		ctx := context.Background()
		getBook(ctx, m, r, 1)
		settle(t, c)
		slow.gets.Store(0)
		reads = readHotKey(t, m, r)
		if r.loads.Load() != 1 {
			t.Fatalf("%d loads, want 1", r.loads.Load())
		}
		waitFor(t, "no read in flight", func() bool { return c.reads.inFlight() == 0 })
		return reads, slow.gets.Load()
	}
	reads, gets := run(t, false)
	t.Logf("without coalescing: %d reads, %d store reads", reads, gets)
	if gets != reads {
		t.Fatalf("without coalescing: %d store reads for %d reads", gets, reads)
	}
	reads, gets = run(t, true)
	t.Logf("coalesced: %d reads, %d store reads", reads, gets)
	if gets*4 > reads {
		t.Fatalf("coalesced: %d store reads for %d reads of one hot key by 32 callers, want at most a quarter", gets, reads)
	}
}

// readHotKey reads book 1 of r through m from 32 goroutines, 20 times
// each, wanting a hit of v1 with tags a, b every time, and changes each
// result (every caller must have a copy of its own). It returns the reads
// that got what they wanted.
func readHotKey(t *testing.T, m *Method, r *repo) int64 {
	t.Helper()
	var n atomic.Int64
	var wg waitGroup
	for range 32 {
		wg.Go(func() {
			for range 20 {
				rctx, rec := Record(context.Background())
				b, err := getBook(rctx, m, r, 1)
				if err != nil || b.Title != "v1" || rec.Status() != StatusHit || len(b.Tags) != 2 || b.Tags[0] != "a" {
					t.Errorf("read: %+v, %v, %v; want a hit of v1 with tags a, b", b, err, rec.Status())
					return
				}
				b.Tags[0] = "changed by a caller"
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return n.Load()
}

// slowGets is a Store whose reads take delay.
type slowGets struct {
	Store
	delay time.Duration
	gets  atomic.Int64
}

func (s *slowGets) Get(ctx context.Context, keys []string) ([][]byte, error) {
	s.gets.Add(1)
	time.Sleep(s.delay)
	return s.Store.Get(ctx, keys)
}

// heldRead is a cache over a gatedStore holding the entry of R.Get(1), and
// caller A, whose read of it has had its reply from the store and is held
// there (the read in flight) until release.
type heldRead struct {
	gs      *gatedStore
	c       *Cache
	m       *Method
	r       *repo
	key     string        // the entry key
	gets    int64         // store reads before A's
	release func()        // lets A's read go
	aDone   chan struct{} // closed when A has returned
}

func holdARead(t *testing.T, opts ...Option) *heldRead {
	t.Helper()
	h := &heldRead{gs: &gatedStore{Store: NewMemoryStore()}, r: newRepo("v1")}
	prefix := testPrefix(t)
	h.key = prefix + ":{books}:R.Get:1"
	h.c = New(h.gs, append([]Option{WithPrefix(prefix), WithLogger(quiet)}, opts...)...)
	h.m = h.c.Method("R.Get", time.Minute, "books")
	getBook(context.Background(), h.m, h.r, 1)
	settle(t, h.c)
	h.gets = h.gs.getCalls.Load()
	h.release = h.gs.gets.close()
	t.Cleanup(h.release)
	h.aDone = make(chan struct{})
	go func() {
		defer close(h.aDone)
		getBook(context.Background(), h.m, h.r, 1)
	}()
	waitFor(t, "A's read is held", func() bool { return h.gs.gets.waiting.Load() == 1 })
	return h
}

// finishA lets A's read and the reads after it go, and waits for A.
func (h *heldRead) finishA() {
	h.gs.gets.letThrough()
	h.release()
	<-h.aDone
}

// TestCoalescedReadIsSentEarlyWhenTheReadInFlightHangs: callers do not
// wait for a read in flight longer than the hold (a tenth of the store
// timeout), so a hung read costs them one store timeout, not two.
func TestCoalescedReadIsSentEarlyWhenTheReadInFlightHangs(t *testing.T) {
	h := holdARead(t, WithStoreTimeout(0)) // no timeout: A's read hangs until released
	h.gs.gets.letThrough()
	rctx, rec := Record(context.Background())
	if b, err := getBook(rctx, h.m, h.r, 1); err != nil || b.Title != "v1" || rec.Status() != StatusHit {
		t.Fatalf("B: %+v, %v, %v; want a hit", b, err, rec.Status())
	}
	if returned(h.aDone) || h.gs.gets.waiting.Load() != 1 {
		t.Fatal("A's read is no longer held: the test proves nothing")
	}
	h.finishA()
}

func TestCoalescedCallerLeavesWhenItsContextEnds(t *testing.T) {
	h := holdARead(t, WithStoreTimeout(10*time.Second)) // a hold of 1s
	bctx, cancel := context.WithCancel(context.Background())
	var berr error
	bDone := async(func() {
		k := h.m.Key()
		k.Int(1)
		_, berr = Fetch(bctx, h.m, k, func(ctx context.Context) (book, error) { return book{}, ctx.Err() })
	})
	waitFor(t, "B waits for the next read", func() bool { return h.c.reads.waiting(h.key) == 1 })
	cancel()
	<-bDone
	if !errors.Is(berr, context.Canceled) {
		t.Fatalf("B: %v, want its own context's error", berr)
	}
	if returned(h.aDone) {
		t.Fatal("A returned before B: B did not leave on its own")
	}
	h.finishA()
	if n := h.gs.getCalls.Load() - h.gets; n != 1 {
		t.Fatalf("%d store reads, want 1 (A's): the read nobody waits for any more was sent", n)
	}
	if h.c.reads.inFlight() != 0 {
		t.Fatal("the key still has reads in flight")
	}
}

// TestCoalescedReadFailureIsReportedOnce: callers sharing a failed read
// each go to the repository, and the failure is one fault.
func TestCoalescedReadFailureIsReportedOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(gs *gatedStore)
	}{
		{"error", func(gs *gatedStore) { err := errors.New("store down"); gs.getErr.Store(&err) }},
		{"panic", func(gs *gatedStore) { gs.getPanic.Store(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log eventLog
			h := holdARead(t, WithStoreTimeout(10*time.Second), WithBreaker(0, 0), WithObserver(log.observe))
			loads, gets := h.r.loads.Load(), h.gs.getCalls.Load()
			tc.fail(h.gs)
			var wg waitGroup
			for range 3 {
				wg.Go(func() {
					if b, err := getBook(context.Background(), h.m, h.r, 1); err != nil || b.Title != "v1" {
						t.Errorf("read: %+v, %v", b, err)
					}
				})
			}
			waitFor(t, "three callers wait for the next read", func() bool { return h.c.reads.waiting(h.key) == 3 })
			h.finishA()
			wg.Wait()
			if sent := h.gs.getCalls.Load() - gets; sent != 1 {
				t.Fatalf("%d store reads for the three callers, want 1", sent)
			}
			if n := h.r.loads.Load() - loads; n != 3 {
				t.Fatalf("%d loads, want 3 (each caller whose read failed)", n)
			}
			// A's read went well; the three callers' read failed.
			if log.n(EventError) != 1 || log.n(EventBypass) != 3 {
				t.Fatalf("%d faults and %d bypasses for one failed read shared by 3 callers, want 1 and 3 (last %+v)", log.n(EventError), log.n(EventBypass), log.last.Load())
			}
		})
	}
}

// TestStorePanicLeavesNoReadInFlight: a store that panics in the caller's
// own read panics the caller, as without coalescing, and leaves the key
// free: later reads are not held back behind a read that never completes.
func TestStorePanicLeavesNoReadInFlight(t *testing.T) {
	gs := &gatedStore{Store: NewMemoryStore()}
	c := New(gs, WithPrefix(testPrefix(t)), WithBreaker(0, 0), WithLogger(quiet))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, c)
	gs.getPanic.Store(true)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the store's panic did not reach the caller")
			}
		}()
		getBook(ctx, m, r, 1)
	}()
	gs.getPanic.Store(false)
	if n := c.reads.inFlight(); n != 0 {
		t.Fatalf("%d keys have reads in flight after the panic", n)
	}
	rctx, rec := Record(ctx)
	if b, err := getBook(rctx, m, r, 1); err != nil || b.Title != "v1" || rec.Status() != StatusHit {
		t.Fatalf("after the panic: %+v, %v, %v; want a hit", b, err, rec.Status())
	}
}

// countingCodec is JSON, counting its decodes.
type countingCodec struct {
	Codec
	decodes atomic.Int64
}

func (c *countingCodec) Unmarshal(data []byte, v any) error {
	c.decodes.Add(1)
	return c.Codec.Unmarshal(data, v)
}

// TestCoalescedHitsDecodeOnce: the callers sharing a read of a hot key
// take copies of one decode of its entry when the method can copy its
// results (generated code gives it the copy function), and each decodes
// its own otherwise. Every caller's value is its own either way.
func TestCoalescedHitsDecodeOnce(t *testing.T) {
	run := func(t *testing.T, copies bool) (reads, gets, decodes int64) {
		slow := &slowGets{Store: NewMemoryStore(), delay: time.Millisecond}
		codec := &countingCodec{Codec: JSON}
		c := New(slow, WithPrefix(testPrefix(t)), WithCodec(codec), WithStoreTimeout(10*time.Second))
		m := c.Method("R.Get", time.Minute, "books")
		if copies {
			m = m.Copy(copyBook)
		}
		r := newRepo("v1")
		ctx := context.Background()
		getBook(ctx, m, r, 1)
		settle(t, c)
		slow.gets.Store(0)
		codec.decodes.Store(0)
		reads = readHotKey(t, m, r)
		return reads, slow.gets.Load(), codec.decodes.Load()
	}
	reads, gets, decodes := run(t, false)
	t.Logf("without a copy function: %d reads, %d store reads, %d decodes", reads, gets, decodes)
	if decodes != reads {
		t.Fatalf("without a copy function: %d decodes for %d reads, want one each", decodes, reads)
	}
	reads, gets, decodes = run(t, true)
	t.Logf("with one: %d reads, %d store reads, %d decodes", reads, gets, decodes)
	if decodes > gets {
		t.Fatalf("with a copy function: %d decodes for %d store reads (%d reads), want at most one a read", decodes, gets, reads)
	}
}
