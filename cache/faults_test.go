package cache

import (
	"context"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// The fault tests run real redis-server processes of their own (and skip
// without the binary), or a proxy in front of the test Redis.

var quiet = slog.New(discardHandler{})

// lastError records when the observer last saw a store fault: an error
// event, or an invalidation (first try or background retry) that failed.
type lastError struct {
	eventLog
	at atomic.Int64
}

func (l *lastError) observe(ctx context.Context, e Event) {
	l.eventLog.observe(ctx, e)
	if (e.Kind == EventError && e.Op != "breaker-closed") || (e.Kind == EventInvalidate && e.Err != nil) {
		l.at.Store(time.Now().UnixNano())
	}
}

func TestFaultRedisKilledAndRestarted(t *testing.T) {
	srv := redistest.Start(t)
	opt := RedisOptions(srv.Addr())
	client := redis.NewClient(opt)
	defer client.Close()
	var log lastError
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet))
	defer c.Close()
	db := &versioned{db: &slowDB{delay: time.Millisecond}, get: c.Method("DB.Get", time.Minute, "db"), update: c.Method("DB.Write", 0, "db")}

	load := startLoad(db, 8, 1, 20*time.Millisecond)
	time.Sleep(500 * time.Millisecond)
	killed := time.Now()
	srv.Kill()
	time.Sleep(time.Second)
	hitsBefore := log.n(EventHit)
	srv.Start() // empty: no version keys, no entries
	restarted := time.Now()
	time.Sleep(2 * time.Second)
	load.finish()

	t.Logf("reads %d, stale %d, max latency %v, errors %d, hits %d", load.reads.Load(), load.stale.Load(), load.max(), log.n(EventError), log.n(EventHit))
	if load.stale.Load() != 0 {
		t.Errorf("%d reads returned data older than a completed write", load.stale.Load())
	}
	if limit := opt.DialTimeout + opt.ReadTimeout + 250*time.Millisecond; load.max() > limit {
		t.Errorf("a call took %v, more than the timeouts plus a margin (%v)", load.max(), limit)
	}
	last := time.Unix(0, log.at.Load())
	if last.Before(killed.Add(500 * time.Millisecond)) {
		t.Errorf("faults stopped being reported %v before the restart, while Redis was down", restarted.Sub(last))
	}
	if d := last.Sub(restarted); d > 1200*time.Millisecond {
		t.Errorf("faults went on %v after the restart, want about a second at most", d)
	}
	if log.n(EventHit) <= hitsBefore {
		t.Errorf("no hit after the restart: the cache did not recover")
	}
}

func TestFaultHungRedis(t *testing.T) {
	p := redistest.StartProxy(t, testTarget(t))
	opt := RedisOptions(p.Addr())
	client := redis.NewClient(opt)
	defer client.Close()
	var log eventLog
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, c)

	trips := &tripCounter{}
	client.AddHook(trips)
	p.Set(redistest.Hang)
	var slow, calls atomic.Int64
	var maxLat atomic.Int64
	var wg waitGroup
	deadline := time.Now().Add(1500 * time.Millisecond)
	for range 8 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				start := time.Now()
				b, err := getBook(ctx, m, r, 1)
				d := time.Since(start)
				if err != nil || b.Title != "v1" {
					t.Errorf("read against a hung Redis: %+v, %v", b, err)
					return
				}
				calls.Add(1)
				if d > 50*time.Millisecond {
					slow.Add(1)
				}
				if int64(d) > maxLat.Load() {
					maxLat.Store(int64(d))
				}
			}
		})
	}
	wg.Wait()
	t.Logf("hung: %d calls, %d sent to Redis, %d slower than 50ms, max %v", calls.Load(), trips.trips.Load(), slow.Load(), time.Duration(maxLat.Load()))
	// One store call is cut at the store timeout (150ms); without it a hung
	// Redis holds a call for the client's read timeout and retries (a default
	// client: 3s and more). The slack is for a loaded machine: 8 readers and
	// the race detector on 2 shared cores pause a call for 300ms at times.
	if limit := DefaultStoreTimeout + 500*time.Millisecond; time.Duration(maxLat.Load()) > limit {
		t.Errorf("a call took %v against a hung Redis, want at most %v", time.Duration(maxLat.Load()), limit)
	}
	// Without the breaker every call would go to Redis and wait for the read
	// timeout: 8 readers x 1.5s / 100ms = 120 round trips. With it, only the
	// calls in flight when it opens and one probe per cool-down do.
	if n := trips.trips.Load(); n > 60 {
		t.Errorf("%d of %d calls went to the hung Redis: the circuit breaker did not open", n, calls.Load())
	}

	p.Set(redistest.Forward)
	recovered := false
	for start := time.Now(); time.Since(start) < 2*time.Second; time.Sleep(20 * time.Millisecond) {
		rctx, rec := Record(ctx)
		getBook(rctx, m, r, 1)
		if rec.Status() == StatusHit {
			recovered = true
			t.Logf("hits again %v after Redis answered", time.Since(start))
			break
		}
	}
	if !recovered {
		t.Fatal("no hit within 2s of Redis answering again: the breaker did not close")
	}
}

func TestFaultSlowRedis(t *testing.T) {
	for _, tc := range []struct {
		name     string
		delay    time.Duration
		maxConns int64
	}{
		{"slower than usual, within the timeout", 20 * time.Millisecond, 24},
		{"slower than the timeout", 150 * time.Millisecond, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := redistest.StartProxy(t, testTarget(t))
			opt := RedisOptions(p.Addr())
			opt.PoolSize = 16
			client := redis.NewClient(opt)
			c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithLogger(quiet))
			m := c.Method("R.Get", time.Minute, "books")
			r := newRepo("v1")
			ctx := context.Background()
			getBook(ctx, m, r, 1)
			before := runtime.NumGoroutine()

			p.SetDelay(tc.delay)
			var wg waitGroup
			deadline := time.Now().Add(time.Second)
			for range 16 {
				wg.Go(func() {
					for time.Now().Before(deadline) {
						if b, err := getBook(ctx, m, r, 1); err != nil || b.Title != "v1" {
							t.Errorf("read: %+v, %v", b, err)
							return
						}
					}
				})
			}
			wg.Wait()
			if n := p.Accepted(); n > tc.maxConns {
				t.Errorf("%d connections in one second: a reconnect storm (want at most %d)", n, tc.maxConns)
			}
			client.Close()
			p.Reset()
			var after int
			for range 50 { // let closed connections' goroutines end
				if after = runtime.NumGoroutine(); after <= before+2 {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("connections %d, goroutines before %d, after %d", p.Accepted(), before, after)
			if after > before+2 {
				t.Errorf("goroutines: %d before, %d after: a leak", before, after)
			}
		})
	}
}

func TestFaultLostInvalidation(t *testing.T) {
	target := testTarget(t)
	p := redistest.StartProxy(t, target)
	prefix := testPrefix(t)
	// Process A reaches Redis through the proxy, process B directly.
	clientA := redis.NewClient(RedisOptions(p.Addr()))
	defer clientA.Close()
	clientB := redis.NewClient(RedisOptions(target))
	defer clientB.Close()
	a := New(NewRedisStore(clientA), WithPrefix(prefix), WithLogger(quiet))
	defer a.Close()
	// B must read its entry whatever the machine's load: a generous store
	// timeout (this test is about A's lost invalidation, not B's waits).
	b := New(NewRedisStore(clientB), WithPrefix(prefix), WithLogger(quiet), WithStoreTimeout(2*time.Second))
	db := &slowDB{delay: time.Microsecond}
	dbA := &versioned{db: db, get: a.Method("DB.Get", time.Minute, "db"), update: a.Method("DB.Write", 0, "db")}
	dbB := &versioned{db: db, get: b.Method("DB.Get", time.Minute, "db"), update: b.Method("DB.Write", 0, "db")}
	ctx := context.Background()
	dbA.read(ctx)
	dbB.read(ctx) // both warm, version 0 cached

	p.Set(redistest.Refuse)
	n := db.write()
	if err := dbA.update.Invalidate(ctx); err == nil {
		t.Fatal("the invalidation went through a refusing proxy")
	}
	// A never serves data older than its own write: it bypasses the cache.
	for range 3 {
		rctx, rec := Record(ctx)
		if v, _ := dbA.read(rctx); v != n || rec.Status() != StatusBypass {
			t.Fatalf("process A after its lost invalidation: version %d (%v), want %d (bypass)", v, rec.Status(), n)
		}
	}
	// B still sees the old entry: the bounded staleness of a lost invalidation.
	if v, _ := dbB.read(ctx); v != 0 {
		t.Fatalf("process B: version %d; the test expects it stale while A cannot reach Redis", v)
	}
	time.Sleep(300 * time.Millisecond)
	p.Set(redistest.Forward)
	healed := time.Now()
	var fresh time.Duration
	for time.Since(healed) < 3*time.Second {
		if v, _ := dbB.read(ctx); v == n {
			fresh = time.Since(healed)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("process B saw the write %v after A could reach Redis again", fresh)
	// The retry runs at most retryMax apart, and the breaker lets a probe
	// through DefaultBreakerCooldown after opening.
	if fresh == 0 || fresh > retryMax+DefaultBreakerCooldown+200*time.Millisecond {
		t.Fatalf("process B stayed stale %v after Redis was reachable (gave up after 3s): want at most %v", fresh, retryMax+DefaultBreakerCooldown+200*time.Millisecond)
	}
	// A uses the cache again once its invalidation is delivered (B can see
	// the new version a moment before A's retry has marked it clean).
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		rctx, rec := Record(ctx)
		dbA.read(rctx)
		if rec.Status() != StatusBypass {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatal("process A still bypasses the cache a second after the retry succeeded")
		}
	}
}

func TestFaultEvictionOfVersionKeys(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru")
	client := redis.NewClient(RedisOptions(srv.Addr()))
	defer client.Close()
	// go-redis sends SETNX before v9.17 and SET ... NX since.
	setnx := &tripCounter{match: func(args []any) bool {
		return args[0] == "setnx" || args[0] == "set" && args[len(args)-1] == "nx"
	}}
	client.AddHook(setnx)
	c := New(NewRedisStore(client), WithPrefix("ev"), WithLogger(quiet))
	defer c.Close()
	// Many namespaces, each with a version key, and large entries, so that
	// eviction takes version keys as well as entries.
	db := &slowDB{delay: 200 * time.Microsecond}
	padding := make([]byte, 4<<10)
	var stale, reads atomic.Int64
	var committed atomic.Int64
	ctx := context.Background()
	var wg waitGroup
	deadline := time.Now().Add(1500 * time.Millisecond)
	for g := range 8 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				ns := "ns" + string(rune('a'+(i*7+g)%26))
				m := c.Method("DB.Get", time.Minute, ns)
				floor := committed.Load()
				k := m.Key()
				k.Int(int64(i % 300))
				v, _ := Fetch(ctx, m, k, func(ctx context.Context) (struct {
					V   int64
					Pad []byte
				}, error) {
					v, err := db.read(ctx)
					return struct {
						V   int64
						Pad []byte
					}{v, padding}, err
				})
				reads.Add(1)
				if v.V < floor {
					stale.Add(1)
				}
			}
		})
	}
	wg.Go(func() {
		all := make([]string, 26)
		for i := range all {
			all[i] = "ns" + string(rune('a'+i))
		}
		for time.Now().Before(deadline) {
			n := db.write()
			c.Invalidate(ctx, all...)
			committed.Store(n)
			time.Sleep(5 * time.Millisecond)
		}
	})
	wg.Wait()
	evicted := infoField(t, client, "stats", "evicted_keys")
	t.Logf("reads %d, stale %d, evicted keys %s, version keys created %d", reads.Load(), stale.Load(), evicted, setnx.cmds.Load())
	if evicted == "0" || setnx.cmds.Load() <= 26 {
		t.Fatalf("evicted %s keys, created %d version keys for 26 namespaces: the test did not evict version keys", evicted, setnx.cmds.Load())
	}
	if stale.Load() != 0 {
		t.Fatalf("%d stale reads under eviction", stale.Load())
	}
}

func TestFaultStampede(t *testing.T) {
	client, mr := testRedis(t)
	prefix := testPrefix(t)
	const readers = 500
	// Two processes share the Redis; each may load once per expiry.
	// 500 readers queue for 20 pooled connections: on a loaded machine
	// (the race detector, other packages' tests) the wait can pass the
	// default store timeout, and reads that time out bypass the cache.
	caches := []*Cache{
		New(NewRedisStore(client), WithPrefix(prefix), WithLogger(quiet), WithStoreTimeout(2*time.Second)),
		New(NewRedisStore(client), WithPrefix(prefix), WithLogger(quiet), WithStoreTimeout(2*time.Second)),
	}
	var loads [2]atomic.Int64
	ctx := context.Background()
	entryKey := prefix + ":{hot}:R.Get:1"
	for round := range 3 {
		start := make(chan struct{})
		var wg waitGroup
		for i := range readers {
			p := i % 2
			m := caches[p].Method("R.Get", time.Minute, "hot")
			wg.Go(func() {
				<-start
				k := m.Key()
				k.Int(1)
				v, err := Fetch(ctx, m, k, func(context.Context) (string, error) {
					loads[p].Add(1)
					time.Sleep(5 * time.Millisecond)
					return "value", nil
				})
				if err != nil || v != "value" {
					t.Errorf("read: %q, %v", v, err)
				}
			})
		}
		close(start)
		wg.Wait()
		for p := range loads {
			if n := loads[p].Load(); n > int64(round+1) {
				t.Fatalf("round %d: process %d loaded %d times in all, want at most one per round", round, p, n)
			}
		}
		// The hot entry expires.
		if mr != nil {
			mr.Del(entryKey)
		} else {
			client.Del(ctx, entryKey)
		}
	}
	t.Logf("loads per process over 3 rounds of %d readers: %d, %d", readers, loads[0].Load(), loads[1].Load())
}
