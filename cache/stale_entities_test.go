package cache

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The stale-read harness of stale_test.go, for per-entity namespaces: a
// few items that come and go, each in a member of the template item:{id},
// a list in the fixed namespace item-lists, and writes that invalidate one
// member, the whole family or the fixed namespace. A read is stale when it
// started after a write returned and returned data from before it; for a
// missing item, when it returned not-found although the item has existed
// since a write that returned before the read started.

// errNoItem is the entity database's not-found error.
var errNoItem = errors.New("no such item")

// entityItems is the number of items: few, so that reads and writes of
// one member race often.
const entityItems = 4

// entityDB is a fake database of entityItems items, each present or
// missing, and of a list that every create, update and delete changes.
// Every write takes the next sequence number, and a value read is the
// sequence number of the write that produced it. Reads are slow, so that
// writes land while reads are in flight.
type entityDB struct {
	mu    sync.Mutex
	seq   int64
	items [entityItems]entityRow
	list  int64
}

// entityRow is one item of an entityDB.
type entityRow struct {
	seq        int64 // the write that last changed it
	present    bool
	lastDelete int64 // the last write that deleted it
}

// ranked is the result of a read of an item and the list together.
type ranked struct {
	Item    int64 `json:"item"`
	Present bool  `json:"present"`
	List    int64 `json:"list"`
}

// pause is the delay of a read: up to 2ms, after the data has been read.
func pause() { time.Sleep(time.Duration(rand.Int64N(int64(2 * time.Millisecond)))) }

func (d *entityDB) item(_ context.Context, id int) (int64, error) {
	d.mu.Lock()
	r := d.items[id]
	d.mu.Unlock()
	pause()
	if !r.present {
		return 0, fmt.Errorf("item %d: %w", id, errNoItem)
	}
	return r.seq, nil
}

func (d *entityDB) listSeq(context.Context) (int64, error) {
	d.mu.Lock()
	v := d.list
	d.mu.Unlock()
	pause()
	return v, nil
}

func (d *entityDB) ranked(_ context.Context, id int) (ranked, error) {
	d.mu.Lock()
	r := ranked{Item: d.items[id].seq, Present: d.items[id].present, List: d.list}
	d.mu.Unlock()
	pause()
	return r, nil
}

// lastDelete returns the last write that deleted item id.
func (d *entityDB) lastDelete(id int) int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.items[id].lastDelete
}

// writeKind is a kind of write, and what it invalidates.
type writeKind int

const (
	writeSave    writeKind = iota // creates or updates an item: its member and item-lists
	writeDelete                   // deletes an item: its member and item-lists
	writeReindex                  // rewrites every present item: the family item
	writeLists                    // changes the list alone: item-lists
)

var writeNames = [...]string{"save", "delete", "reindex", "list"}

// commit is what a write changed: the items (with whether each is present
// after it) and the list, at sequence number seq.
type commit struct {
	seq     int64
	items   map[int]bool
	list    bool
	touched int // the item a save or delete wrote
}

// write commits a write of kind to item id (ignored by reindex and lists).
func (d *entityDB) write(kind writeKind, id int) commit {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.seq++
	c := commit{seq: d.seq, items: map[int]bool{}, touched: id}
	switch kind {
	case writeSave:
		d.items[id] = entityRow{seq: d.seq, present: true, lastDelete: d.items[id].lastDelete}
		c.items[id], c.list = true, true
	case writeDelete:
		d.items[id] = entityRow{seq: d.seq, lastDelete: d.seq}
		c.items[id], c.list = false, true
	case writeReindex:
		for i := range d.items {
			if d.items[i].present {
				d.items[i].seq = d.seq
				c.items[i] = true
			}
		}
	case writeLists:
		c.list = true
	}
	if c.list {
		d.list = d.seq
	}
	return c
}

// entityCache is what readers and writers call: a cache in front of an
// entityDB.
type entityCache interface {
	item(ctx context.Context, id int) (int64, error) // errNoItem when missing
	list(ctx context.Context) (int64, error)
	ranked(ctx context.Context, id int) (ranked, error)
	write(ctx context.Context, kind writeKind, id int) commit
}

// entityMethods is an entityDB behind this package's protocol, as the
// wrapper cachegen generates for these annotations would call it:
//
//	//cache:expire=1m namespace=item:{id} notfound=errNoItem
//	Item(ctx, id) (int64, error)
//	//cache:expire=1m namespace=item-lists
//	List(ctx) (int64, error)
//	//cache:expire=1m namespace=item-lists,item:{id}
//	Ranked(ctx, id) (ranked, error)
//	//cache:invalidate namespace=item:{id},item-lists
//	Save(ctx, id) / Delete(ctx, id)
//	//cache:invalidate namespace=item
//	Reindex(ctx)
//	//cache:invalidate namespace=item-lists
//	RenameLists(ctx)
//
// Half the saves and reindexes invalidate by hand instead, with
// Cache.InvalidateMember and Cache.Invalidate. skip names kinds of write
// that invalidate nothing: a deliberately broken wrapper.
type entityMethods struct {
	db                              *entityDB
	c                               *Cache
	getItem, getList, getRanked     *Method
	save, remove, reindex, renameLs *Method
	skip                            map[writeKind]bool
}

func newEntityMethods(c *Cache, db *entityDB, skip ...writeKind) *entityMethods {
	e := &entityMethods{db: db, c: c,
		getItem:   c.Method("Items.Item", time.Minute, "item:{id}").NotFound(0, errNoItem),
		getList:   c.Method("Items.List", time.Minute, "item-lists"),
		getRanked: c.Method("Items.Ranked", time.Minute, "item-lists", "item:{id}"),
		save:      c.Method("Items.Save", 0, "item:{id}", "item-lists"),
		remove:    c.Method("Items.Delete", 0, "item:{id}", "item-lists"),
		reindex:   c.Method("Items.Reindex", 0, "item"),
		renameLs:  c.Method("Items.RenameLists", 0, "item-lists"),
		skip:      map[writeKind]bool{},
	}
	for _, k := range skip {
		e.skip[k] = true
	}
	return e
}

// memberKey is the key of a call naming member id of one template, then
// the arguments, as generated code writes it.
func memberKey(m *Method, id int) Key {
	k := m.Key()
	k.Member()
	k.Int(int64(id))
	k.Args()
	k.Int(int64(id))
	return k
}

func (e *entityMethods) item(ctx context.Context, id int) (int64, error) {
	return Fetch(ctx, e.getItem, memberKey(e.getItem, id), func(ctx context.Context) (int64, error) { return e.db.item(ctx, id) })
}

func (e *entityMethods) list(ctx context.Context) (int64, error) {
	return Fetch(ctx, e.getList, e.getList.Key(), e.db.listSeq)
}

func (e *entityMethods) ranked(ctx context.Context, id int) (ranked, error) {
	return Fetch(ctx, e.getRanked, memberKey(e.getRanked, id), func(ctx context.Context) (ranked, error) { return e.db.ranked(ctx, id) })
}

func (e *entityMethods) write(ctx context.Context, kind writeKind, id int) commit {
	c := e.db.write(kind, id)
	if e.skip[kind] {
		return c
	}
	byHand := rand.IntN(2) == 0
	switch kind {
	case writeSave, writeDelete:
		m := e.save
		if kind == writeDelete {
			m = e.remove
		}
		if byHand {
			e.c.InvalidateMember(ctx, "item", int64(id))
			e.c.Invalidate(ctx, "item-lists")
			break
		}
		k := m.Key()
		k.Member()
		k.Int(int64(id))
		m.InvalidateKey(ctx, k)
	case writeReindex:
		if byHand {
			e.c.Invalidate(ctx, "item")
			break
		}
		e.reindex.Invalidate(ctx)
	case writeLists:
		e.renameLs.Invalidate(ctx)
	}
	return c
}

// entityProcesses spreads reads over two caches sharing one Redis, as two
// processes would; writes alternate between them too.
type entityProcesses struct {
	procs  [2]*entityMethods
	reads  atomic.Int64
	writes atomic.Int64
}

func (p *entityProcesses) next(n *atomic.Int64) *entityMethods { return p.procs[n.Add(1)%2] }

func (p *entityProcesses) item(ctx context.Context, id int) (int64, error) {
	return p.next(&p.reads).item(ctx, id)
}

func (p *entityProcesses) list(ctx context.Context) (int64, error) {
	return p.next(&p.reads).list(ctx)
}

func (p *entityProcesses) ranked(ctx context.Context, id int) (ranked, error) {
	return p.next(&p.reads).ranked(ctx, id)
}

func (p *entityProcesses) write(ctx context.Context, kind writeKind, id int) commit {
	return p.next(&p.writes).write(ctx, kind, id)
}

// entityDeleteBased is the classic scheme per entity: GET, on a miss load
// and SET (a missing item as "-"); writes DEL the keys they affect after
// committing. It has the stale-set race.
type entityDeleteBased struct {
	db     *entityDB
	client redis.UniversalClient
	prefix string
}

func (d *entityDeleteBased) key(kind string, id int) string {
	return d.prefix + ":" + kind + ":" + strconv.Itoa(id)
}

func (d *entityDeleteBased) item(ctx context.Context, id int) (int64, error) {
	key := d.key("item", id)
	if s, err := d.client.Get(ctx, key).Result(); err == nil {
		if s == "-" {
			return 0, errNoItem
		}
		return strconv.ParseInt(s, 10, 64)
	}
	v, err := d.db.item(ctx, id)
	switch {
	case errors.Is(err, errNoItem):
		d.client.Set(ctx, key, "-", time.Minute)
	case err == nil:
		d.client.Set(ctx, key, v, time.Minute)
	}
	return v, err
}

func (d *entityDeleteBased) list(ctx context.Context) (int64, error) {
	key := d.key("list", 0)
	if s, err := d.client.Get(ctx, key).Result(); err == nil {
		return strconv.ParseInt(s, 10, 64)
	}
	v, err := d.db.listSeq(ctx)
	if err == nil {
		d.client.Set(ctx, key, v, time.Minute)
	}
	return v, err
}

func (d *entityDeleteBased) ranked(ctx context.Context, id int) (ranked, error) {
	key := d.key("ranked", id)
	var r ranked
	if s, err := d.client.Get(ctx, key).Result(); err == nil {
		_, err := fmt.Sscanf(s, "%d %t %d", &r.Item, &r.Present, &r.List)
		return r, err
	}
	r, err := d.db.ranked(ctx, id)
	if err == nil {
		d.client.Set(ctx, key, fmt.Sprintf("%d %t %d", r.Item, r.Present, r.List), time.Minute)
	}
	return r, err
}

func (d *entityDeleteBased) write(ctx context.Context, kind writeKind, id int) commit {
	c := d.db.write(kind, id)
	var keys []string
	for i := range c.items {
		keys = append(keys, d.key("item", i))
	}
	for i := range entityItems {
		if c.list || c.items[i] || kind == writeDelete && i == id {
			keys = append(keys, d.key("ranked", i))
		}
	}
	if c.list {
		keys = append(keys, d.key("list", 0))
	}
	if len(keys) > 0 {
		d.client.Del(ctx, keys...)
	}
	return c
}

// entityFloors holds, for each item and for the list, the latest write
// that has returned: no read starting now may return anything older.
type entityFloors struct {
	mu    sync.Mutex
	items [entityItems]entityFloor
	list  int64
}

// entityFloor is the latest returned write of an item.
type entityFloor struct {
	seq     int64
	present bool // the item exists after it
}

func (f *entityFloors) publish(c commit) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, present := range c.items {
		if c.seq > f.items[id].seq {
			f.items[id] = entityFloor{seq: c.seq, present: present}
		}
	}
	if c.list && c.seq > f.list {
		f.list = c.seq
	}
}

func (f *entityFloors) item(id int) entityFloor {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.items[id]
}

func (f *entityFloors) listSeq() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.list
}

// staleItem reports whether a read of item id that started at floor and
// returned seq (present) or not-found is stale: a value older than the
// floor, or not-found for an item that has existed since the floor (no
// delete has committed since; checked after the read returned).
func staleItem(db *entityDB, id int, floor entityFloor, seq int64, present bool) bool {
	if present {
		return seq < floor.seq
	}
	return floor.present && db.lastDelete(id) < floor.seq
}

// Kinds of read the harness counts apart.
const (
	readItem     = iota // an item that was found
	readNotFound        // an item that was not found
	readList
	readRanked
	readItems // a batch read of several items, each checked as a read of it
	readKinds
)

var readNames = [readKinds]string{"item", "not-found", "list", "ranked", "batch"}

// entityRun is what a run of the harness counted, by kind of read.
type entityRun struct {
	reads, stale, hits [readKinds]atomic.Int64
	writes             [writeLists + 1]atomic.Int64
}

func (r *entityRun) String() string {
	s := ""
	for k := range readKinds {
		s += fmt.Sprintf("%s: %d stale of %d (%d hits); ", readNames[k], r.stale[k].Load(), r.reads[k].Load(), r.hits[k].Load())
	}
	return s + fmt.Sprintf("writes: %d saves, %d deletes, %d reindexes, %d list changes",
		r.writes[writeSave].Load(), r.writes[writeDelete].Load(), r.writes[writeReindex].Load(), r.writes[writeLists].Load())
}

func (r *entityRun) totalStale() (n int64) {
	for k := range readKinds {
		n += r.stale[k].Load()
	}
	return n
}

// anyWrite is the mix of writes of TestNoStaleReadAfterEntityWrite: saves
// (creates and updates) 50%, deletes 20%, reindexes 15%, list changes 15%.
func anyWrite() writeKind {
	switch p := rand.IntN(20); {
	case p < 3:
		return writeReindex
	case p < 6:
		return writeLists
	case p < 10:
		return writeDelete
	}
	return writeSave
}

// createOrDelete is the mix of writes of TestNoStaleNotFoundAfterCreate:
// items are created (or updated) and deleted, half and half.
func createOrDelete() writeKind {
	if rand.IntN(2) == 0 {
		return writeDelete
	}
	return writeSave
}

// entityStaleReads runs 16 readers and 2 writers over c and db for d, the
// writers picking kinds of write with mix, and counts the stale reads of
// each kind.
func entityStaleReads(t *testing.T, c entityCache, db *entityDB, d time.Duration, mix func() writeKind) *entityRun {
	t.Helper()
	var floors entityFloors
	run := &entityRun{}
	ctx := context.Background()
	deadline := time.Now().Add(d)
	var wg waitGroup
	b, isBatch := c.(batchReader)
	for range 16 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				id := rand.IntN(entityItems)
				rctx, rec := Record(ctx)
				kind, stale := readItem, false
				switch p := rand.IntN(10); {
				case p < 2 && isBatch:
					kind = readItems
					if stale = batchStale(t, rctx, b, db, &floors, id); t.Failed() {
						return
					}
				case p < 5:
					floor := floors.item(id)
					v, err := c.item(rctx, id)
					if err != nil && !errors.Is(err, errNoItem) {
						t.Error(err)
						return
					}
					if err != nil {
						kind = readNotFound
					}
					stale = staleItem(db, id, floor, v, err == nil)
				case p < 7:
					kind = readList
					floor := floors.listSeq()
					v, err := c.list(rctx)
					if err != nil {
						t.Error(err)
						return
					}
					stale = v < floor
				default:
					kind = readRanked
					floor, listFloor := floors.item(id), floors.listSeq()
					r, err := c.ranked(rctx, id)
					if err != nil {
						t.Error(err)
						return
					}
					stale = r.List < listFloor || staleItem(db, id, floor, r.Item, r.Present)
				}
				run.reads[kind].Add(1)
				if stale {
					run.stale[kind].Add(1)
				}
				if rec.Status() == StatusHit {
					run.hits[kind].Add(1)
				}
			}
		})
	}
	for range 2 {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				kind := mix()
				floors.publish(c.write(ctx, kind, rand.IntN(entityItems)))
				run.writes[kind].Add(1)
				time.Sleep(time.Duration(500+rand.IntN(1500)) * time.Microsecond)
			}
		})
	}
	wg.Wait()
	return run
}

// newEntityProcesses returns two processes' wrappers over db, sharing the
// Redis of client under prefix, their caches made with opts too; skip as in
// newEntityMethods.
func newEntityProcesses(client redis.UniversalClient, prefix string, log *eventLog, db *entityDB, opts []Option, skip ...writeKind) *entityProcesses {
	p := &entityProcesses{}
	for i := range p.procs {
		// A generous store timeout: on a loaded machine, reads timing out
		// would bypass the cache and leave the protocol untested.
		c := New(NewRedisStore(client), append([]Option{WithPrefix(prefix), WithObserver(log.observe), WithStoreTimeout(2 * time.Second)}, opts...)...)
		p.procs[i] = newEntityMethods(c, db, skip...)
	}
	return p
}

func TestNoStaleReadAfterEntityWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)

	// The harness must be able to see staleness: the delete-based scheme
	// per entity, run the same way, serves stale data.
	db := &entityDB{}
	run := entityStaleReads(t, &entityDeleteBased{db: db, client: client, prefix: testPrefix(t)}, db, harnessTime, anyWrite)
	t.Logf("delete-based: %v", run)
	if run.totalStale() == 0 {
		t.Fatalf("the harness saw no stale read of the delete-based scheme: it cannot detect staleness: %v", run)
	}
	// And it sees a wrapper whose family writes invalidate nothing: the
	// family's version is what protects the members' entries from them.
	brokenRun(t, client, anyWrite, writeReindex, readItem)

	// Lists change with most writes, so their reads hit less often (tens
	// of times in a run): one hit of either kind will do.
	versionedRun(t, client, anyWrite, nil, readItem, readNotFound)

	// Over the near cache too (validated: versions read from Redis).
	versionedRun(t, client, anyWrite, []Option{WithNearCache(NearCache{})}, readItem, readNotFound)
}

func TestNoStaleNotFoundAfterCreate(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)
	// The harness sees a not-found served after a create: a wrapper whose
	// creates invalidate nothing keeps serving the cached not-found.
	brokenRun(t, client, createOrDelete, writeSave, readNotFound)

	versionedRun(t, client, createOrDelete, nil, readItem, readNotFound)
	versionedRun(t, client, createOrDelete, []Option{WithNearCache(NearCache{})}, readItem, readNotFound)
}

// harnessTime is how long each run of the harness lasts.
const harnessTime = 700 * time.Millisecond

// brokenRun runs the harness over a wrapper whose writes of kind skip
// invalidate nothing, and fails unless it sees stale reads of kind stale.
func brokenRun(t *testing.T, client redis.UniversalClient, mix func() writeKind, skip writeKind, stale int) {
	t.Helper()
	var log eventLog
	db := &entityDB{}
	run := entityStaleReads(t, newEntityProcesses(client, testPrefix(t), &log, db, nil, skip), db, harnessTime, mix)
	t.Logf("%s writes not invalidated: %v", writeNames[skip], run)
	if run.stale[stale].Load() == 0 {
		t.Fatalf("the harness saw no stale %s read when %s writes invalidate nothing: it cannot detect that: %v", readNames[stale], writeNames[skip], run)
	}
}

// versionedRun runs the harness over this package's protocol, its caches
// made with opts too, and fails on a stale read, on a store error, or when
// no read of a kind of need hit.
func versionedRun(t *testing.T, client redis.UniversalClient, mix func() writeKind, opts []Option, need ...int) {
	t.Helper()
	var log eventLog
	db := &entityDB{}
	procs := newEntityProcesses(client, testPrefix(t), &log, db, opts)
	run := entityStaleReads(t, procs, db, harnessTime, mix)
	var near int64 // hits served by the near caches
	for _, p := range procs.procs {
		near += p.c.NearStats().Hits
	}
	t.Logf("versioned (%d near-cache hits): %v", near, run)
	if procs.procs[0].c.near != nil && near == 0 {
		t.Fatalf("no hit of the near cache: the harness did not exercise it: %v", run)
	}
	if n := run.totalStale(); n != 0 {
		t.Fatalf("%d reads returned data older than a completed write: %v", n, run)
	}
	for _, k := range need {
		if run.hits[k].Load() == 0 {
			t.Fatalf("no %s read hit: the harness did not exercise the cache: %v", readNames[k], run)
		}
	}
	if run.reads[readList].Load() > 0 && run.hits[readList].Load()+run.hits[readRanked].Load() == 0 {
		t.Fatalf("no read of the list hit: the harness did not exercise the cache: %v", run)
	}
	if log.n(EventError) != 0 {
		t.Fatalf("%d store errors: last %+v", log.n(EventError), log.last.Load())
	}
}
