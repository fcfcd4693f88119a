//go:build linux || darwin

package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// The tracked near cache under load, across OS processes: reader processes
// whose goroutines read in a loop (near hits cost no round trip, so they
// keep the CPUs busy), and a writer process (the test itself) that commits
// a counter and invalidates. A shared memory file holds the highest
// version whose write has returned and when each write returned (wall
// clock, shared by the processes of one machine), so that a reader can
// tell a stale read and how long after the write it started.
//
// It saturates the machine, so it runs only when asked:
//
//	CACHEGEN_TRACKED_LOAD=1 go test -count=1 -run TestTrackedStalenessUnderLoad -v ./cache
//
// CACHEGEN_TRACKED_LOAD_SHAPE="procs goroutines seconds gap" changes the
// load: reader processes, goroutines each, seconds, and the writer's pause
// between writes (default "3 9 3 2ms").

// loadRing is how many writes' return times the shared file keeps.
const loadRing = 1 << 16

// sharedLoad is the shared memory of the harness: word 0 is the highest
// version whose write has returned, word 1+v%loadRing the wall time (Unix
// nanoseconds) when write v returned.
type sharedLoad struct{ mem []byte }

func mapShared(t testing.TB, path string, create bool) *sharedLoad {
	t.Helper()
	size := 8 * (1 + loadRing)
	if create {
		if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mem, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	return &sharedLoad{mem: mem}
}

func (s *sharedLoad) word(i int) *int64 { return (*int64)(unsafe.Pointer(&s.mem[8*i])) }

func (s *sharedLoad) committed() int64 { return atomic.LoadInt64(s.word(0)) }

func (s *sharedLoad) returned(v int64) int64 { return atomic.LoadInt64(s.word(1 + int(v%loadRing))) }

// publish records that write v returned at wall time at.
func (s *sharedLoad) publish(v, at int64) {
	atomic.StoreInt64(s.word(1+int(v%loadRing)), at)
	atomic.StoreInt64(s.word(0), v)
}

// loadResult is what a reader process reports.
type loadResult struct {
	Reads, Stale, Errors int64
	StaleAges            []int64 // how long after the write each stale read started, ns
	Hits, Unconfirmed    int64   // near hits, tracked hits not confirmed within the bound
	VersionReads         int64
}

func TestTrackedStalenessUnderLoad(t *testing.T) {
	if os.Getenv("CACHEGEN_TRACKED_LOAD") == "" {
		t.Skip("saturates the machine; set CACHEGEN_TRACKED_LOAD=1 to run")
	}
	procs, goroutines, seconds, gap := 3, 9, 3, 2*time.Millisecond
	if shape := os.Getenv("CACHEGEN_TRACKED_LOAD_SHAPE"); shape != "" {
		var gaps string
		_, err := fmt.Sscan(shape, &procs, &goroutines, &seconds, &gaps)
		if err == nil {
			gap, err = time.ParseDuration(gaps)
		}
		if err != nil {
			t.Fatalf("CACHEGEN_TRACKED_LOAD_SHAPE=%q: %v", shape, err)
		}
	}
	srv := redistest.Start(t)
	for _, bound := range []time.Duration{time.Second, DefaultMaxStale, 20 * time.Millisecond} {
		t.Run("MaxStale="+bound.String(), func(t *testing.T) {
			runTrackedLoad(t, srv.Addr(), bound, procs, goroutines, time.Duration(seconds)*time.Second, gap)
		})
	}
}

func runTrackedLoad(t *testing.T, addr string, bound time.Duration, procs, goroutines int, d, gap time.Duration) {
	prefix := testPrefix(t)
	path := t.TempDir() + "/shared"
	sh := mapShared(t, path, true)
	client := redis.NewClient(RedisOptions(addr))
	t.Cleanup(func() { client.Close() })
	writer := New(NewRedisStore(client), WithPrefix(prefix), WithLogger(quiet))
	t.Cleanup(func() { writer.Close() })
	db := redis.NewClient(loadDBOptions(addr))
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.Set(ctx, prefix+":db", 0, 0).Err(); err != nil {
		t.Fatal(err)
	}

	env := fmt.Sprintf("CACHEGEN_TRACKED_CHILD=%s %s %s %d %d %d", addr, prefix, path, goroutines, d, bound)
	outs := make([]strings.Builder, procs)
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestTrackedLoadChild$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), env)
		cmds[i].Stdout, cmds[i].Stderr = &outs[i], &outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	// Write until every reader process is done.
	var wg sync.WaitGroup
	errs := make([]error, procs)
	for i := range cmds {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = cmds[i].Wait() }()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	writes := 0
write:
	for {
		select {
		case <-done:
			break write
		case <-time.After(gap):
		}
		n, err := db.Incr(ctx, prefix+":db").Result()
		if err != nil {
			continue
		}
		if err := writer.Invalidate(ctx, "db"); err != nil {
			t.Fatalf("invalidate: %v", err)
		}
		sh.publish(n, time.Now().UnixNano())
		writes++
	}

	var total loadResult
	for i := range cmds {
		var r loadResult
		line := ""
		for _, l := range strings.Split(outs[i].String(), "\n") {
			if s, ok := strings.CutPrefix(l, "TRACKEDLOAD "); ok {
				line = s
			}
		}
		if errs[i] != nil || line == "" {
			t.Fatalf("reader process %d: %v\n%s", i, errs[i], outs[i].String())
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		total.Reads += r.Reads
		total.Stale += r.Stale
		total.Errors += r.Errors
		total.Hits += r.Hits
		total.Unconfirmed += r.Unconfirmed
		total.VersionReads += r.VersionReads
		total.StaleAges = append(total.StaleAges, r.StaleAges...)
	}
	ages := total.StaleAges
	slices.Sort(ages)
	pct := func(p int) time.Duration {
		if len(ages) == 0 {
			return 0
		}
		return time.Duration(ages[min(len(ages)-1, len(ages)*p/100)])
	}
	t.Logf("MaxStale %v, %d processes x %d reading goroutines, %v, %d writes %v apart: %d reads (%d errors), %d near hits, %d unconfirmed, %d version reads; %d stale (%.2f%%), started after the write by p50 %v, p99 %v, max %v",
		bound, procs, goroutines, d, writes, gap, total.Reads, total.Errors, total.Hits, total.Unconfirmed, total.VersionReads,
		total.Stale, 100*float64(total.Stale)/float64(max(total.Reads, 1)), pct(50), pct(99), pct(100))
	if total.Hits == 0 || writes == 0 {
		t.Fatal("the harness made no near hits or no writes")
	}
	// The hard bound, with a margin for the wall clock the processes share.
	if bound < trackedMaxAge && pct(100) >= bound+bound/2 {
		t.Fatalf("a read that started %v after a write returned returned data from before it; MaxStale is %v", pct(100), bound)
	}
}

// TestTrackedLoadChild is a reader process of TestTrackedStalenessUnderLoad.
func TestTrackedLoadChild(t *testing.T) {
	spec := os.Getenv("CACHEGEN_TRACKED_CHILD")
	if spec == "" {
		t.Skip("a reader process of TestTrackedStalenessUnderLoad")
	}
	var addr, prefix, path string
	var goroutines int
	var d, bound time.Duration
	if _, err := fmt.Sscan(spec, &addr, &prefix, &path, &goroutines, &d, &bound); err != nil {
		t.Fatalf("CACHEGEN_TRACKED_CHILD=%q: %v", spec, err)
	}
	sh := mapShared(t, path, false)
	client := redis.NewClient(RedisOptions(addr))
	t.Cleanup(func() { client.Close() })
	c := New(NewRedisStore(client), WithPrefix(prefix), WithNearCache(NearCache{Tracked: true, MaxStale: bound}), WithLogger(quiet))
	t.Cleanup(func() { c.Close() })
	db := redis.NewClient(loadDBOptions(addr))
	t.Cleanup(func() { db.Close() })
	waitTracking(t, c)
	m := c.Method("DB.Get", time.Minute, "db").Copy(func(v int64) int64 { return v })
	load := func(ctx context.Context) (int64, error) { return db.Get(ctx, prefix+":db").Int64() }
	ctx := context.Background()

	var mu sync.Mutex
	var res loadResult
	deadline := time.Now().Add(d)
	var wg waitGroup
	for range goroutines {
		wg.Go(func() {
			var r loadResult
			for time.Now().Before(deadline) {
				floor := sh.committed()
				start := time.Now().UnixNano()
				k := m.Key()
				k.Int(1)
				v, err := Fetch(ctx, m, k, load)
				if err != nil {
					r.Errors++
					continue
				}
				r.Reads++
				if v < floor {
					r.Stale++
					r.StaleAges = append(r.StaleAges, start-sh.returned(v+1))
				}
			}
			mu.Lock()
			res.Reads += r.Reads
			res.Stale += r.Stale
			res.Errors += r.Errors
			res.StaleAges = append(res.StaleAges, r.StaleAges...)
			mu.Unlock()
		})
	}
	wg.Wait()
	st := c.NearStats()
	res.Hits, res.Unconfirmed, res.VersionReads = st.Hits, st.TrackedUnconfirmed, c.tracker.versionReads.Load()
	out, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("TRACKEDLOAD " + string(out))
}

// loadDBOptions are the options of the harness's database, a counter in
// the Redis: timeouts long enough for a saturated machine.
func loadDBOptions(addr string) *redis.Options {
	opt := RedisOptions(addr)
	opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	return opt
}
