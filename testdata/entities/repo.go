// Package entities caches items per entity: namespace templates, cached
// not-found results, and writes that invalidate one member or the family.
package entities

import (
	"context"
	"database/sql"
	"errors"
)

// ErrNotFound is what the repository returns for a missing item.
var ErrNotFound = errors.New("item not found")

// Item is one row.
type Item struct {
	ID     int64  `json:"id"`
	Tenant string `json:"tenant"`
	Name   string `json:"name"`
}

// ItemRepository reads and writes items.
type ItemRepository interface {
	//cache:expire=5m namespace=item:{id} notfound=ErrNotFound,sql.ErrNoRows notfound-expire=1m
	GetItem(ctx context.Context, id int64) (Item, error)
	//cache:expire=1m namespace=item-lists
	ListItems(ctx context.Context, limit int) ([]Item, error)
	//cache:expire=1m namespace=tenant:{tenant}:{kind},item-lists
	ByTenant(ctx context.Context, tenant string, kind int) ([]Item, error)
	//cache:expire=1m namespace=item:{q.ID} key=q.ID
	Find(ctx context.Context, q *Query) (Item, error)
	//cache:invalidate namespace=item:{it.ID},item-lists,tenant:{it.Tenant}:{kind}
	SaveItem(ctx context.Context, it *Item, kind int) error
	//cache:invalidate namespace=item:{id},item-lists
	DeleteItem(ctx context.Context, id int64) error
	//cache:invalidate namespace=item:{created.ID},item-lists
	CreateItem(ctx context.Context, name string) (created Item, err error)
	//cache:invalidate namespace=item
	Reindex(ctx context.Context) error
}

// Query finds an item.
type Query struct {
	ID int64
}

var _ = sql.ErrNoRows
