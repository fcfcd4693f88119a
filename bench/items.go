package bench

import "context"

// WholeItems caches every item in one namespace: a write of one item makes
// every cached item miss.
type WholeItems interface {
	//cache:expire=1h namespace=items
	Get(ctx context.Context, id int64) (Item, error)
	//cache:invalidate namespace=items
	Save(ctx context.Context, it Item) error
}

// EntityItems caches each item in a namespace of its own, a member of the
// template item:{id}: a write of one item makes only that item miss.
type EntityItems interface {
	//cache:expire=1h namespace=item:{id}
	Get(ctx context.Context, id int64) (Item, error)
	//cache:invalidate namespace=item:{it.ID}
	Save(ctx context.Context, it Item) error
}

// Get implements WholeItems and EntityItems.
func (Fake) Get(ctx context.Context, id int64) (Item, error) { return MakeItem(id), nil }

// Save implements WholeItems and EntityItems; it stores nothing.
func (Fake) Save(ctx context.Context, it Item) error { return nil }
