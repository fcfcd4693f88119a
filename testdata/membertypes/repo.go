// Package membertypes holds namespace families whose members methods write
// with different key types, which cachegen refuses: a write would name
// another member than the reads do. Pointers and named types over the same
// basic type agree with their base type and are not reported.
package membertypes

import "context"

type Item struct{ ID int64 }

type Patch struct{ ID *int64 }

type ItemID int64

type Repo interface {
	//cache:expire=60 namespace=a:{id}
	GetA(ctx context.Context, id int64) (Item, error)
	//cache:invalidate namespace=a:{id}
	SetA32(ctx context.Context, id int32) error
	//cache:invalidate namespace=a:{p.ID}
	SetAPatch(ctx context.Context, p *Patch) error
	//cache:invalidate namespace=a:{id}
	SetAByID(ctx context.Context, id *ItemID) error
	//cache:expire=60 namespace=b:{slug}
	GetB(ctx context.Context, slug string) (Item, error)
	//cache:invalidate namespace=b:{p.ID}
	SetB(ctx context.Context, p *Patch) error
	//cache:expire=60 namespace=tenant:{tenant}:{kind}
	ByTenant(ctx context.Context, tenant string, kind int) ([]Item, error)
	//cache:invalidate namespace=tenant:{tenant}:{kind}
	SetTenant(ctx context.Context, tenant *string, kind string) error
	//cache:expire=60 namespace=set:{ids}
	GetSet(ctx context.Context, ids []int64) ([]Item, error)
	//cache:invalidate namespace=set:{ids}
	SetSet(ctx context.Context, ids []*int64) error
}

// Writer is another interface of the package: its families are those of
// Repo.
type Writer interface {
	//cache:invalidate namespace=b:{n}
	SetBNumber(ctx context.Context, n *uint64) error
}
