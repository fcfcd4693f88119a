package cache

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// slowDB is a fake database holding one counter; reads are slow, so that
// writes land while reads are in flight.
type slowDB struct {
	mu      sync.Mutex
	version int64
	delay   time.Duration // reads take up to this long; zero means 2ms
}

func (d *slowDB) read(ctx context.Context) (int64, error) {
	d.mu.Lock()
	v := d.version
	d.mu.Unlock()
	delay := d.delay
	if delay == 0 {
		delay = 2 * time.Millisecond
	}
	time.Sleep(time.Duration(rand.Int64N(int64(delay))))
	return v, nil
}

func (d *slowDB) write() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.version++
	return d.version
}

// cachedDB is what readers and writers call: a cache in front of slowDB.
type cachedDB interface {
	read(ctx context.Context) (int64, error)
	write(ctx context.Context) int64 // returns the version it committed
}

// versioned is slowDB behind this package's protocol.
type versioned struct {
	db     *slowDB
	get    *Method
	update *Method
}

func (v *versioned) read(ctx context.Context) (int64, error) {
	k := v.get.Key()
	k.Int(1)
	return Fetch(ctx, v.get, k, v.db.read)
}

func (v *versioned) write(ctx context.Context) int64 {
	n := v.db.write()
	v.update.Invalidate(ctx)
	return n
}

// twoProcesses spreads reads over two caches sharing one Redis, as two
// processes would; writes go through the first.
type twoProcesses struct {
	procs [2]*versioned
	n     atomic.Int64
}

func (p *twoProcesses) read(ctx context.Context) (int64, error) {
	return p.procs[p.n.Add(1)%2].read(ctx)
}

func (p *twoProcesses) write(ctx context.Context) int64 { return p.procs[0].write(ctx) }

// deleteBased is the classic scheme: GET, on a miss load and SET; writes
// DEL the key after committing. It has the stale-set race.
type deleteBased struct {
	db     *slowDB
	client redis.UniversalClient
	key    string
}

func (d *deleteBased) read(ctx context.Context) (int64, error) {
	if s, err := d.client.Get(ctx, d.key).Result(); err == nil {
		return strconv.ParseInt(s, 10, 64)
	}
	v, err := d.db.read(ctx)
	if err == nil {
		d.client.Set(ctx, d.key, v, time.Minute)
	}
	return v, err
}

func (d *deleteBased) write(ctx context.Context) int64 {
	n := d.db.write()
	d.client.Del(ctx, d.key)
	return n
}

// staleReads runs 16 readers and 2 writers over c for the duration and
// counts reads that returned a version older than one whose write had
// returned before the read started.
func staleReads(t *testing.T, c cachedDB, d time.Duration) (stale, reads int64) {
	t.Helper()
	return staleReadsOf(t, c, d, 16, func() time.Duration { return time.Duration(500+rand.IntN(1500)) * time.Microsecond })
}

// staleReadsOf is staleReads with that many readers, and writers that pause
// gap() between writes.
func staleReadsOf(t *testing.T, c cachedDB, d time.Duration, readers int, gap func() time.Duration) (stale, reads int64) {
	t.Helper()
	var committed atomic.Int64
	ctx := context.Background()
	deadline := time.Now().Add(d)
	var wg waitGroup
	for range readers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				floor := committed.Load()
				v, err := c.read(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				atomic.AddInt64(&reads, 1)
				if v < floor {
					atomic.AddInt64(&stale, 1)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				n := c.write(ctx)
				for { // publish the highest version whose write has returned
					cur := committed.Load()
					if n <= cur || committed.CompareAndSwap(cur, n) {
						break
					}
				}
				time.Sleep(gap())
			}
		})
	}
	wg.Wait()
	return stale, reads
}

func TestNoStaleReadAfterWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)
	prefix := testPrefix(t)

	// The harness must be able to see staleness: the delete-based scheme,
	// run the same way, serves stale data.
	naive := &deleteBased{db: &slowDB{}, client: client, key: prefix + ":naive"}
	stale, reads := staleReads(t, naive, 700*time.Millisecond)
	t.Logf("delete-based: %d stale of %d reads", stale, reads)
	if stale == 0 {
		t.Fatalf("the harness saw no stale read of the delete-based scheme in %d reads: it cannot detect staleness", reads)
	}

	// Two processes share the Redis: reads alternate between them, writes go
	// through the first.
	var log eventLog
	db := &slowDB{}
	var procs [2]*versioned
	for i := range procs {
		// A generous store timeout: on a loaded machine, reads timing out
		// would bypass the cache and leave the protocol untested.
		c := New(NewRedisStore(client), WithPrefix(prefix), WithObserver(log.observe), WithStoreTimeout(2*time.Second))
		procs[i] = &versioned{db: db, get: c.Method("DB.Get", time.Minute, "db"), update: c.Method("DB.Write", 0, "db")}
	}
	ours := &twoProcesses{procs: procs}
	stale, reads = staleReads(t, ours, 700*time.Millisecond)
	t.Logf("versioned: %d stale of %d reads", stale, reads)
	if stale != 0 {
		t.Fatalf("%d of %d reads returned data older than a completed write", stale, reads)
	}
	if log.n(EventHit) == 0 || log.n(EventError) != 0 {
		t.Fatalf("hits %d, errors %d: the harness did not exercise the cache", log.n(EventHit), log.n(EventError))
	}

	// The same with early refresh, every entry due as soon as it is
	// stored: each is reloaded in the background while writes land.
	log = eventLog{}
	for i := range procs {
		c := New(NewRedisStore(client), WithPrefix(prefix+":refresh"), WithObserver(log.observe), WithStoreTimeout(2*time.Second))
		procs[i] = &versioned{db: db, get: c.Method("DB.Get", time.Minute, "db").Refresh(dueAtOnce), update: c.Method("DB.Write", 0, "db")}
	}
	stale, reads = staleReads(t, &twoProcesses{procs: procs}, 700*time.Millisecond)
	t.Logf("versioned, refreshed early: %d stale of %d reads, %d refreshes", stale, reads, log.n(EventRefresh))
	if stale != 0 {
		t.Fatalf("refreshed early: %d of %d reads returned data older than a completed write", stale, reads)
	}
	if log.n(EventHit) == 0 || log.n(EventRefresh) == 0 || log.n(EventError) != 0 {
		t.Fatalf("hits %d, refreshes %d, errors %d: the harness did not exercise early refresh", log.n(EventHit), log.n(EventRefresh), log.n(EventError))
	}
}

// TestNoStaleReadOnAHotKey is the harness on one hot key read by 64
// readers, spread over two caches that share the Redis, as two processes
// would: their concurrent reads are coalesced. The same harness with reads
// that join a read already on its way (joinInFlight, coalescing off) serves
// stale reads: the harness can see that mistake.
func TestNoStaleReadOnAHotKey(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)
	gap := func() time.Duration { return time.Duration(2000+rand.IntN(4000)) * time.Microsecond }
	run := func(t *testing.T, wrong bool) (stale, reads, gets int64, log *eventLog) {
		log = &eventLog{}
		db := &slowDB{delay: time.Millisecond}
		prefix := testPrefix(t)
		var procs [2]*versioned
		var counters [2]*slowGets
		for i := range procs {
			counters[i] = &slowGets{Store: NewRedisStore(client)}
			var store Store = counters[i]
			if wrong {
				store = &joinInFlight{Store: store}
			}
			// The store timeout of TestFaultStampede: 64 readers queue for
			// pooled connections on a loaded machine.
			c := New(store, WithPrefix(prefix), WithObserver(log.observe), WithReadCoalescing(!wrong), WithLogger(quiet), WithStoreTimeout(2*time.Second))
			procs[i] = &versioned{db: db, get: c.Method("DB.Get", time.Minute, "db"), update: c.Method("DB.Write", 0, "db")}
		}
		stale, reads = staleReadsOf(t, &twoProcesses{procs: procs}, time.Second, 64, gap)
		return stale, reads, counters[0].gets.Load() + counters[1].gets.Load(), log
	}
	stale, reads, gets, log := run(t, false)
	t.Logf("coalesced: %d stale of %d reads, %d hits, %d store reads", stale, reads, log.n(EventHit), gets)
	if stale != 0 {
		t.Fatalf("%d of %d reads returned data older than a completed write", stale, reads)
	}
	if log.n(EventHit) == 0 || log.n(EventError) != 0 || gets >= reads {
		t.Fatalf("hits %d, errors %d, %d store reads for %d reads: the harness did not exercise coalesced hits", log.n(EventHit), log.n(EventError), gets, reads)
	}
	// A few tries for a machine too loaded to make the race in one second.
	for try := 0; try < 5 && (try == 0 || stale == 0); try++ {
		stale, reads, _, log = run(t, true)
		t.Logf("joining reads in flight: %d stale of %d reads, %d hits", stale, reads, log.n(EventHit))
	}
	if stale == 0 {
		t.Fatalf("the harness saw no stale read in 5 runs joining reads already sent: it cannot see that mistake")
	}
}
