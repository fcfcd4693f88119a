package cache

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// clusterPort returns a free port whose cluster bus port (+10000) is free too.
func clusterPort(t *testing.T) int {
	for range 100 {
		p := 20000 + rand.IntN(10000)
		a, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p+10000))
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return p
	}
	t.Fatal("no free port pair for a cluster node")
	return 0
}

// testCluster is a 3-master Redis Cluster of the test's own.
type testCluster struct {
	tripCounter // round trips to any node
	nodes       []*redistest.Server
	addrs       []string
	client      *redis.ClusterClient // with RedisClusterOptions
}

// startCluster starts the cluster; nodeArgs are extra redis-server
// arguments for every node.
func startCluster(t *testing.T, nodeArgs ...string) *testCluster {
	t.Helper()
	redistest.Need(t)
	if _, err := exec.LookPath("redis-cli"); err != nil {
		t.Skip("needs redis-cli on PATH (apt-get install redis-tools)")
	}
	tc := &testCluster{}
	for range 3 {
		args := append([]string{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"}, nodeArgs...)
		p := redistest.StartOn(t, clusterPort(t), args...)
		tc.nodes = append(tc.nodes, p)
		tc.addrs = append(tc.addrs, p.Addr())
	}
	args := append([]string{"--cluster", "create"}, tc.addrs...)
	out, err := exec.Command("redis-cli", append(args, "--cluster-replicas", "0", "--cluster-yes")...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	ctx := context.Background()
	for _, a := range tc.addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		ok := false
		for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(50 * time.Millisecond) {
			if info, _ := c.ClusterInfo(ctx).Result(); strings.Contains(info, "cluster_state:ok") {
				ok = true
				break
			}
		}
		c.Close()
		if !ok {
			t.Fatalf("cluster node %s never reached cluster_state:ok", a)
		}
	}
	tc.client = redis.NewClusterClient(RedisClusterOptions(tc.addrs...))
	tc.client.OnNewNode(func(c *redis.Client) { c.AddHook(&tc.tripCounter) })
	t.Cleanup(func() { tc.client.Close() })
	return tc
}

// nodeOf returns the address of the master holding namespace ns.
func (tc *testCluster) nodeOf(t *testing.T, ns string) string {
	c, err := tc.client.MasterForKey(context.Background(), "{"+ns+"}")
	if err != nil {
		t.Fatal(err)
	}
	return c.Options().Addr
}

func TestClusterReadsAndInvalidation(t *testing.T) {
	tc := startCluster(t)
	var log eventLog
	c := New(NewRedisStore(tc.client), WithPrefix("cl"), WithObserver(log.observe), WithLogger(quiet))
	ctx := context.Background()

	// Two namespaces on different masters.
	a := "books"
	var b string
	for i := range 100 {
		if ns := fmt.Sprintf("ns%d", i); tc.nodeOf(t, ns) != tc.nodeOf(t, a) {
			b = ns
			break
		}
	}
	if b == "" {
		t.Fatal("found no namespace on another master")
	}
	for _, tt := range []struct {
		name       string
		namespaces []string
		trips      int64
	}{
		{"one namespace", []string{a}, 1},
		{"two namespaces on two masters", []string{a, b}, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := c.Method("R.Get"+strconv.Itoa(len(tt.namespaces)), time.Minute, tt.namespaces...)
			r := newRepo("v1")
			getBook(ctx, m, r, 1)
			settle(t, c)
			tc.trips.Store(0)
			rctx, rec := Record(ctx)
			if bk, _ := getBook(rctx, m, r, 1); rec.Status() != StatusHit || bk.Title != "v1" {
				t.Fatalf("status %v, %+v", rec.Status(), bk)
			}
			if n := tc.trips.Load(); n != tt.trips {
				t.Fatalf("a hit took %d round trips, want one per master involved (%d)", n, tt.trips)
			}
			// Invalidating the last namespace (on its own master) reaches the entry.
			v2 := "v2"
			r.title.Store(&v2)
			tc.trips.Store(0)
			if err := c.Invalidate(ctx, tt.namespaces...); err != nil {
				t.Fatal(err)
			}
			if n := tc.trips.Load(); n != tt.trips {
				t.Fatalf("invalidation took %d round trips, want %d", n, tt.trips)
			}
			if bk, _ := getBook(ctx, m, r, 1); bk.Title != "v2" {
				t.Fatalf("after invalidation: %q", bk.Title)
			}
		})
	}
	if n := log.n(EventError); n != 0 {
		t.Fatalf("%d store errors on the cluster (CROSSSLOT?): last %+v", n, log.last.Load())
	}
}

func TestClusterReshardDuringLoad(t *testing.T) {
	tc := startCluster(t)
	var log eventLog
	c := New(NewRedisStore(tc.client), WithPrefix("rs"), WithObserver(log.observe), WithLogger(quiet))
	defer c.Close()
	db := &versioned{db: &slowDB{delay: 500 * time.Microsecond}, get: c.Method("DB.Get", time.Minute, "db"), update: c.Method("DB.Write", 0, "db")}

	load := startLoad(db, 8, 1, 10*time.Millisecond)
	time.Sleep(400 * time.Millisecond)
	hitsBefore := log.n(EventHit)
	migrateSlot(t, tc, "{db}")
	time.Sleep(600 * time.Millisecond)
	load.finish()
	t.Logf("reads %d, stale %d, hits %d (%d before the move), store errors %d", load.reads.Load(), load.stale.Load(), log.n(EventHit), hitsBefore, log.n(EventError))
	if load.stale.Load() != 0 || load.errs.Load() != 0 {
		t.Fatalf("%d stale reads, %d errors to callers while resharding", load.stale.Load(), load.errs.Load())
	}
	if log.n(EventHit) <= hitsBefore {
		t.Fatal("no hits after the slot moved: the cache stopped working")
	}
}

// migrateSlot moves the slot of key, with its keys, to another master.
func migrateSlot(t *testing.T, tc *testCluster, key string) {
	t.Helper()
	ctx := context.Background()
	slot, err := tc.client.ClusterKeySlot(ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	srcAddr := tc.nodeOf(t, strings.Trim(key, "{}"))
	var src, dst *redis.Client
	ids := map[*redis.Client]string{}
	var all []*redis.Client
	for _, n := range tc.nodes {
		c := redis.NewClient(&redis.Options{Addr: n.Addr()})
		defer c.Close()
		all = append(all, c)
		id, err := c.Do(ctx, "CLUSTER", "MYID").Text()
		if err != nil {
			t.Fatal(err)
		}
		ids[c] = id
		if n.Addr() == srcAddr {
			src = c
		} else if dst == nil {
			dst = c
		}
	}
	must := func(c *redis.Client, args ...any) {
		if err := c.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	must(dst, "CLUSTER", "SETSLOT", slot, "IMPORTING", ids[src])
	must(src, "CLUSTER", "SETSLOT", slot, "MIGRATING", ids[dst])
	host, port, _ := net.SplitHostPort(dst.Options().Addr)
	moved := 0
	for {
		keys, err := src.ClusterGetKeysInSlot(ctx, int(slot), 100).Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) == 0 {
			break
		}
		args := []any{"MIGRATE", host, port, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		must(src, args...)
		moved += len(keys)
		time.Sleep(20 * time.Millisecond) // let the load see the slot half-moved
	}
	for _, c := range all {
		must(c, "CLUSTER", "SETSLOT", slot, "NODE", ids[dst])
	}
	t.Logf("moved slot %d (%d keys) from %s to %s", slot, moved, src.Options().Addr, dst.Options().Addr)
}

// nodeTrips counts the commands sent to each cluster node, but for the
// handshake of new connections (every timeout closes one).
type nodeTrips struct {
	mu    sync.Mutex
	trips map[string]*tripCounter
}

func (n *nodeTrips) hook(c *redis.Client) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.trips == nil {
		n.trips = map[string]*tripCounter{}
	}
	h := &tripCounter{match: func(args []any) bool { return args[0] != "hello" && args[0] != "client" }}
	n.trips[c.Options().Addr] = h
	c.AddHook(h)
}

func (n *nodeTrips) of(addr string) int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	if h := n.trips[addr]; h != nil {
		return h.cmds.Load()
	}
	return 0
}

func TestClusterPausedMaster(t *testing.T) {
	// A node timeout longer than the test, so that the other masters do
	// not declare the paused one failed (and the cluster down).
	tc := startCluster(t, "--cluster-node-timeout", "60000")
	var trips nodeTrips
	tc.client.OnNewNode(trips.hook)
	var log eventLog
	c := New(NewRedisStore(tc.client), WithPrefix("pm"), WithObserver(log.observe), WithLogger(quiet))
	ctx := context.Background()

	// One namespace on the master to pause, one on each other master;
	// readers of the first (4), of the others (3), of two at once (1).
	pausedAddr := tc.nodeOf(t, "p")
	var healthy []string
	for i := 0; len(healthy) < 2 && i < 1000; i++ {
		ns := fmt.Sprintf("h%d", i)
		if a := tc.nodeOf(t, ns); a != pausedAddr && (len(healthy) == 0 || a != tc.nodeOf(t, healthy[0])) {
			healthy = append(healthy, ns)
		}
	}
	r := newRepo("v1")
	pausedGet := c.Method("R.Get", time.Minute, "p")
	getBook(ctx, pausedGet, r, 1)
	var healthyGets []*Method
	for _, ns := range healthy {
		m := c.Method("R.Get", time.Minute, ns)
		getBook(ctx, m, r, 1)
		healthyGets = append(healthyGets, m)
	}
	// A read whose versions live on the paused master and a healthy one.
	crossGet := c.Method("R.Cross", time.Minute, healthy[1], "p")
	getBook(ctx, crossGet, r, 1)
	var paused *redistest.Server
	for _, n := range tc.nodes {
		if n.Addr() == pausedAddr {
			paused = n
		}
	}
	before := trips.of(pausedAddr)
	paused.Pause()

	var latMu sync.Mutex
	var lats []time.Duration // of reads of the paused master's namespace
	var healthyReads, healthyHits atomic.Int64
	var wg sync.WaitGroup
	deadline := time.Now().Add(2 * time.Second)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if i == 7 {
					getBook(ctx, crossGet, r, 1)
					time.Sleep(time.Millisecond)
					continue
				}
				if i%2 == 0 {
					start := time.Now()
					getBook(ctx, pausedGet, r, 1)
					latMu.Lock()
					lats = append(lats, time.Since(start))
					latMu.Unlock()
					time.Sleep(time.Millisecond)
					continue
				}
				rctx, rec := Record(ctx)
				getBook(rctx, healthyGets[i/2%2], r, 1)
				healthyReads.Add(1)
				if rec.Status() == StatusHit {
					healthyHits.Add(1)
				}
				time.Sleep(time.Millisecond) // leave the CPU to the others
			}
		}()
	}
	wg.Wait()
	sent := trips.of(pausedAddr) - before
	paused.Resume()
	// The reads that waited on the paused master (the others were turned
	// away by its open breaker at once); their median, as a loaded machine
	// delays some of them.
	slices.Sort(lats)
	i := 0
	for i < len(lats) && lats[i] < 10*time.Millisecond {
		i++
	}
	waited := lats[i:]
	median := waited[len(waited)/2]
	t.Logf("one master paused for 2s: %d of %d reads of its namespace waited on it, %v (median), %v (slowest); %d commands sent to it; other masters: %d of %d reads hit",
		len(waited), len(lats), median, waited[len(waited)-1], sent, healthyHits.Load(), healthyReads.Load())
	if median > DefaultStoreTimeout+100*time.Millisecond {
		t.Errorf("reads that waited on the paused master took %v (median), want about one store timeout (%v)", median, DefaultStoreTimeout)
	}
	// Without a breaker that sees the paused node, 4 readers send a read
	// every store timeout, twice (MaxRedirects 1): about 100 in 2s. With
	// it, the calls in flight when it opens and one probe per cool-down.
	if sent > 50 {
		t.Errorf("%d commands went to the paused master: the breaker did not see it fail while the others answered", sent)
	}
	if healthyHits.Load() < healthyReads.Load()*9/10 {
		t.Errorf("only %d of %d reads on the healthy masters hit: the paused master's faults spilled onto them", healthyHits.Load(), healthyReads.Load())
	}
	// The paused master answers again: its namespace hits again.
	recovered := false
	for start := time.Now(); time.Since(start) < 3*time.Second; time.Sleep(20 * time.Millisecond) {
		rctx, rec := Record(ctx)
		getBook(rctx, pausedGet, r, 1)
		if rec.Status() == StatusHit {
			recovered = true
			break
		}
	}
	if !recovered {
		t.Error("no hit on the resumed master within 3s")
	}
}
