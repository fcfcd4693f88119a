package cache

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
)

// The stale-read harness of stale_entities_test.go over batch reads: an
// entityCache that is also a batchReader serves a fifth of the reads as a
// batch of items (FetchMap, sharing the entries of the single reads of
// Items.Item), and every item of it is checked as a read of that item.

// batchReader reads several items at once: the result holds the items
// found.
type batchReader interface {
	items(ctx context.Context, ids []int) (map[int]int64, error)
}

// items is what a generated wrapper does for a batch read annotated
//
//	//cache:expire=1m namespace=item:{ids} notfound=errNoItem batch
//	Items(ctx, ids []int) (map[int]int64, error)
//
// whose entries are those of Item (the shapes agree).
func (e *entityMethods) items(ctx context.Context, ids []int) (map[int]int64, error) {
	return FetchMap(ctx, e.getItem, ids, func(id int) Key { return memberKey(e.getItem, id) }, e.db.present)
}

func (p *entityProcesses) items(ctx context.Context, ids []int) (map[int]int64, error) {
	return p.next(&p.reads).items(ctx, ids)
}

// present reads the present items of ids in one snapshot, slowly, as a
// SELECT ... WHERE id IN (...) would.
func (d *entityDB) present(_ context.Context, ids []int) (map[int]int64, error) {
	d.mu.Lock()
	out := map[int]int64{}
	for _, id := range ids {
		if r := d.items[id]; r.present {
			out[id] = r.seq
		}
	}
	d.mu.Unlock()
	pause()
	return out, nil
}

// batchStale reads a batch of items, first among them id, then up to
// three more, repeats possible, and reports whether one of them was stale.
func batchStale(t *testing.T, ctx context.Context, b batchReader, db *entityDB, floors *entityFloors, id int) bool {
	ids := []int{id}
	for range rand.IntN(4) {
		ids = append(ids, rand.IntN(entityItems))
	}
	before := make([]entityFloor, entityItems)
	for _, i := range ids {
		before[i] = floors.item(i)
	}
	got, err := b.items(ctx, ids)
	if err != nil {
		t.Error(err)
		return false
	}
	stale := false
	for _, i := range ids {
		v, present := got[i]
		stale = stale || staleItem(db, i, before[i], v, present)
	}
	for i := range got {
		if !slices.Contains(ids, i) {
			t.Errorf("batch of %v returned item %d", ids, i)
		}
	}
	return stale
}

func TestNoStaleBatchReadAfterEntityWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("concurrency harness; runs without -short")
	}
	client, _ := testRedis(t)
	// The harness sees a batch read served from before a write: with a
	// wrapper whose reindexes and deletes invalidate nothing.
	brokenRun(t, client, anyWrite, writeReindex, readItems)
	brokenRun(t, client, createOrDelete, writeSave, readItems)

	versionedRun(t, client, anyWrite, nil, readItems)
	versionedRun(t, client, createOrDelete, nil, readItems)
}
