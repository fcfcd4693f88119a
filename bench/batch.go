package bench

import (
	"context"
	"sync/atomic"
)

// BatchItems reads items one at a time and by the batch; the batch read's
// elements are the entries of Get (the shapes agree), each in the member
// item:{id} of its item.
type BatchItems interface {
	//cache:expire=1h namespace=item:{id}
	Get(ctx context.Context, id int64) (Item, error)
	//cache:expire=1h namespace=item:{ids} batch by=ID
	GetMany(ctx context.Context, ids []int64) ([]Item, error)
}

// BatchFake is an in-memory BatchItems that counts its batch calls and
// the rows they return.
type BatchFake struct {
	Calls, Rows atomic.Int64
}

// Get implements BatchItems.
func (*BatchFake) Get(ctx context.Context, id int64) (Item, error) { return MakeItem(id), nil }

// GetMany implements BatchItems.
func (f *BatchFake) GetMany(ctx context.Context, ids []int64) ([]Item, error) {
	f.Calls.Add(1)
	f.Rows.Add(int64(len(ids)))
	out := make([]Item, len(ids))
	for i, id := range ids {
		out[i] = MakeItem(id)
	}
	return out, nil
}
