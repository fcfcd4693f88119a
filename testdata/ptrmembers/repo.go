// Package ptrmembers names namespace members through pointers: a pointer
// parameter, a pointer field, a pointer to a pointer, a *big.Int (written by
// its MarshalText). A member is written as
// the value it points to, so a write through a pointer invalidates the
// member a read by value names; a nil pointer invalidates the family.
package ptrmembers

import (
	"context"
	"math/big"
)

// Item is one row.
type Item struct {
	ID   int64
	Name string
}

// Patch is a write whose ID is optional, as proto3 optional fields and DTOs
// have them.
type Patch struct {
	ID   *int64
	Name string
}

// ItemID is a named id type; members of it and of int64 are one family.
type ItemID int64

// Repo reads items by value and by pointer and writes them through
// pointers.
type Repo interface {
	//cache:expire=60 namespace=a:{id}
	GetA(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=a:{id}
	GetAPtr(ctx context.Context, id *int64) (Item, error)
	//cache:expire=60 namespace=a:{id}
	GetAByID(ctx context.Context, id ItemID) (Item, error)
	//cache:invalidate namespace=a:{id}
	SetAPtr(ctx context.Context, id *int64) error
	//cache:invalidate namespace=a:{w.ID}
	SetAPatch(ctx context.Context, w *Patch) error
	//cache:invalidate namespace=a:{id}
	SetAPtrPtr(ctx context.Context, id **int64) error
	//cache:expire=60 namespace=n:{v}
	GetN(ctx context.Context, v *big.Int) (Item, error)
	//cache:invalidate namespace=n:{v}
	SetN(ctx context.Context, v *big.Int) error
}
