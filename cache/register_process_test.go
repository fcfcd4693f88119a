package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/regcheck"
	"github.com/redis/go-redis/v9"
)

// registerEnv names the environment variable that makes the test binary a
// process of TestRegularRegisterAcrossProcesses: it holds the process's
// registerConfig in JSON.
const registerEnv = "CACHEGEN_REGISTER_PROCESS"

// registerConfig is what the parent tells each process.
type registerConfig struct {
	Proc     int           // this process's number
	Mode     string        // see registerModes
	Redis    string        // Redis URL
	Prefix   string        // key prefix, the same in every process of a run
	DB       string        // URL of the registerDB
	Start    int64         // the parent's start instant, Unix ns: the clock's origin
	Workers  int           // goroutines, each doing one operation at a time
	Ops      int           // operations per goroutine at most
	Duration time.Duration // and for this long at most,
	MinOps   int           // unless fewer than MinOps are done: then up to
	MaxTime  time.Duration // this long (a loaded machine, -race)
	Out      string        // file the registerReport goes to
}

// registerReport is what a process sends back.
type registerReport struct {
	Ops                  []regcheck.Op
	Hits                 int64 // reads served by the cache
	NearHits             int64 // of them, by the near cache
	TrackedInvalidations int64
	Refreshes            int64  // entries reloaded early
	StoreErrors          int64  // faults: those reads went to the database
	LastError            string // the last fault, when there was one
	// Drift is clockDrift over the process's run: not zero when the wall
	// clock was stepped meanwhile.
	Drift time.Duration
}

// registerModes are the ways the processes use the cache:
//
//	default  //cache:expire=1m namespace=items on Get(ctx, id);
//	         //cache:invalidate namespace=items on Put(ctx, id, v)
//	near     the same with WithNearCache(NearCache{})
//	tracked  the same with WithNearCache(NearCache{Tracked: true})
//	refresh  default with refresh= (Method.Refresh) so wide that every
//	         entry is due at once: each is reloaded in the background
//	entity   namespace=item:{id} notfound=errNoItem on Get;
//	         namespace=item:{id} on Put and Delete (half of them by hand,
//	         with Cache.InvalidateMember); namespace=item on Reindex (half
//	         by hand, Cache.Invalidate), which rewrites every item
//	batch    entity, and half of the reads are batch reads of 1 to 4 items
//	         (FetchMap, sharing Get's entries: namespace=item:{ids} batch),
//	         each item of a batch checked as a read of that item
var registerModes = []string{"default", "near", "tracked", "entity", "refresh", "batch"}

// registerBroken are broken wrappers, over which the checker must see
// stale reads:
//
//	naive    default, but Put invalidates nothing
//	early    default, but Put invalidates before it commits: the mistake
//	         only shows when a read races with the write
var registerBroken = []string{"naive", "early"}

// registerItems is the number of keys: few, so that operations on one key
// race often.
const registerItems = 4

// registerItemsIface is the interface the wrappers stand for.
type registerItemsIface interface {
	Get(ctx context.Context, id int) (string, error)
}

// registerProcess is one process's wrapper over the database, made as
// cachegen makes one for the annotations of its mode.
type registerProcess struct {
	cfg                  registerConfig
	c                    *Cache
	db                   *registerDBClient
	get, put, del, reidx *Method
}

func newRegisterProcess(cfg registerConfig, c *Cache) *registerProcess {
	p := &registerProcess{cfg: cfg, c: c, db: newRegisterDBClient(cfg.DB)}
	if entityMode(cfg.Mode) {
		p.get = Read[registerItemsIface, string](c, "Items.Get", time.Minute, "item:{id}").NotFound(time.Minute, errNoItem)
		p.put = Write[registerItemsIface](c, "Items.Put", "item:{id}")
		p.del = Write[registerItemsIface](c, "Items.Delete", "item:{id}")
		p.reidx = Write[registerItemsIface](c, "Items.Reindex", "item")
		return p
	}
	p.get = Read[registerItemsIface, string](c, "Items.Get", time.Minute, "items")
	if cfg.Mode == "refresh" {
		p.get.Refresh(dueAtOnce)
	}
	p.put = Write[registerItemsIface](c, "Items.Put", "items")
	return p
}

// read is the wrapper's Get.
func (p *registerProcess) read(ctx context.Context, id int) (string, error) {
	k := p.get.Key()
	if entityMode(p.cfg.Mode) {
		k.Member()
		k.Int(int64(id))
		k.Args()
	}
	k.Int(int64(id))
	return Fetch(ctx, p.get, k, func(ctx context.Context) (string, error) { return p.db.item(ctx, id) })
}

// entityMode reports whether mode caches per item (item:{id}).
func entityMode(mode string) bool { return mode == "entity" || mode == "batch" }

// readBatch is the wrapper's batch read of ids, annotated
// namespace=item:{ids} notfound=errNoItem batch: the entries are Get's.
func (p *registerProcess) readBatch(ctx context.Context, ids []int) (map[int]string, error) {
	key := func(id int) Key {
		k := p.get.Key()
		k.Member()
		k.Int(int64(id))
		k.Args()
		k.Int(int64(id))
		return k
	}
	return FetchMap(ctx, p.get, ids, key, func(ctx context.Context, ids []int) (map[int]string, error) {
		out := map[int]string{}
		for _, id := range ids {
			v, err := p.db.item(ctx, id)
			switch {
			case errors.Is(err, errNoItem):
			case err != nil:
				return nil, err
			default:
				out[id] = v
			}
		}
		return out, nil
	})
}

// write is the wrapper's Put (a Delete when v is empty).
func (p *registerProcess) write(ctx context.Context, id int, v string) error {
	if p.cfg.Mode == "early" {
		p.put.Invalidate(ctx)
		return p.db.put(ctx, id, v)
	}
	err := p.db.put(ctx, id, v)
	switch {
	case p.cfg.Mode == "naive":
	case !entityMode(p.cfg.Mode):
		p.put.Invalidate(ctx)
	case rand.IntN(2) == 0:
		p.c.InvalidateMember(ctx, "item", int64(id))
	default:
		m := p.put
		if v == "" {
			m = p.del
		}
		k := m.Key()
		k.Member()
		k.Int(int64(id))
		m.InvalidateKey(ctx, k)
	}
	return err
}

// reindex is the wrapper's Reindex: every present item becomes v.
func (p *registerProcess) reindex(ctx context.Context, v string) ([]int, error) {
	ids, err := p.db.reindex(ctx, v)
	if rand.IntN(2) == 0 {
		p.c.Invalidate(ctx, "item")
	} else {
		p.reidx.Invalidate(ctx)
	}
	return ids, err
}

// TestRegisterProcess is a process of TestRegularRegisterAcrossProcesses,
// when the test binary runs with registerEnv set; it does nothing
// otherwise.
func TestRegisterProcess(t *testing.T) {
	env := os.Getenv(registerEnv)
	if env == "" {
		t.Skip("a process of TestRegularRegisterAcrossProcesses; runs when that test starts it")
	}
	var cfg registerConfig
	if err := json.Unmarshal([]byte(env), &cfg); err != nil {
		t.Fatal(err)
	}
	// The clock: the parent's start instant, plus the wall clock's
	// distance from it read once, plus this process's monotonic clock
	// since then (see TestRegularRegisterAcrossProcesses).
	origin := time.Now()
	base := time.Duration(origin.UnixNano() - cfg.Start)
	stamp := func() int64 { return int64(base + time.Since(origin)) }

	opt, err := ParseRedisURL(cfg.Redis)
	if err != nil {
		t.Fatal(err)
	}
	// Generous timeouts for a loaded machine: reads that time out bypass
	// the cache and leave the protocol untested.
	opt.ReadTimeout, opt.WriteTimeout, opt.PoolTimeout = 900*time.Millisecond, 900*time.Millisecond, 900*time.Millisecond
	client := redis.NewClient(opt)
	defer client.Close()
	var log eventLog
	opts := []Option{WithPrefix(cfg.Prefix), WithObserver(log.observe), WithStoreTimeout(2 * time.Second), WithLogger(quiet)}
	switch cfg.Mode {
	case "near":
		opts = append(opts, WithNearCache(NearCache{}))
	case "tracked":
		opts = append(opts, WithNearCache(NearCache{Tracked: true}))
	}
	c := New(NewRedisStore(client), opts...)
	p := newRegisterProcess(cfg, c)
	ctx := context.Background()
	if err := p.db.awaitStart(ctx); err != nil {
		t.Fatal(err)
	}

	began := time.Now()
	deadline, hardDeadline := began.Add(cfg.Duration), began.Add(cfg.MaxTime)
	more := func(n int) bool {
		now := time.Now()
		return n < cfg.Ops && (now.Before(deadline) || n < cfg.MinOps && now.Before(hardDeadline))
	}
	ops := make([][]regcheck.Op, cfg.Workers)
	hits := make([]int64, cfg.Workers)
	errs := make(chan error, cfg.Workers)
	var wg waitGroup
	for g := range cfg.Workers {
		wg.Go(func() {
			for n := 0; more(n); n++ {
				id := rand.IntN(registerItems)
				key := "item" + strconv.Itoa(id)
				value := fmt.Sprintf("%d.%d.%d", cfg.Proc, g, n)
				inv := stamp()
				switch q := rand.IntN(100); {
				case q < 40 && cfg.Mode == "batch": // a batch read
					ids := rand.Perm(registerItems)[:1+rand.IntN(registerItems)]
					rctx, rec := Record(ctx)
					got, err := p.readBatch(rctx, ids)
					resp := stamp()
					if err != nil {
						errs <- err
						return
					}
					for _, id := range ids {
						// An item the batch does not hold was not found: "".
						ops[g] = append(ops[g], regcheck.Op{Key: "item" + strconv.Itoa(id), Kind: regcheck.Read, Value: got[id], Proc: cfg.Proc, Inv: inv, Resp: resp})
					}
					if rec.Status() == StatusHit {
						hits[g]++
					}
				case q < 80: // a read
					rctx, rec := Record(ctx)
					v, err := p.read(rctx, id)
					resp := stamp()
					if err != nil && !errors.Is(err, errNoItem) {
						errs <- err
						return
					}
					ops[g] = append(ops[g], regcheck.Op{Key: key, Kind: regcheck.Read, Value: v, Proc: cfg.Proc, Inv: inv, Resp: resp})
					if rec.Status() == StatusHit {
						hits[g]++
					}
				case q < 83 && entityMode(cfg.Mode): // a reindex
					ids, err := p.reindex(ctx, value)
					resp := stamp()
					if err != nil {
						errs <- err
						return
					}
					for _, id := range ids {
						ops[g] = append(ops[g], regcheck.Op{Key: "item" + strconv.Itoa(id), Kind: regcheck.Write, Value: value, Proc: cfg.Proc, Inv: inv, Resp: resp})
					}
				default: // a put, or in entity mode a delete one time in four
					if entityMode(cfg.Mode) && q < 88 {
						value = ""
					}
					if err := p.write(ctx, id, value); err != nil {
						errs <- err
						return
					}
					ops[g] = append(ops[g], regcheck.Op{Key: key, Kind: regcheck.Write, Value: value, Proc: cfg.Proc, Inv: inv, Resp: stamp()})
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	rep := registerReport{
		Hits:                 sum(hits),
		NearHits:             c.NearStats().Hits,
		Refreshes:            log.n(EventRefresh),
		TrackedInvalidations: c.NearStats().TrackedInvalidation,
		StoreErrors:          log.n(EventError),
		Drift:                clockDrift(origin, time.Now()),
	}
	if e := log.last.Load(); e != nil && e.Kind == EventError {
		rep.LastError = fmt.Sprintf("%s %s: %v", e.Op, e.Key, e.Err)
	}
	for _, o := range ops {
		rep.Ops = append(rep.Ops, o...)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.Out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// clockDrift returns how much more the monotonic clock advanced from start
// to end than the wall clock: a step of the wall clock in between, or
// nothing.
func clockDrift(start, end time.Time) time.Duration {
	return end.Sub(start) - time.Duration(end.UnixNano()-start.UnixNano())
}

// sum returns the sum of xs.
func sum(xs []int64) (n int64) {
	for _, x := range xs {
		n += x
	}
	return n
}
