// Package templateerrors holds namespace templates and notfound= options
// that cachegen refuses, each with its reason.
package templateerrors

import (
	"context"
	"errors"
)

var ErrNotFound = errors.New("not found")

// NotAnError is a variable that is not an error.
var NotAnError = 3

const ErrConst = "not found"

type Item struct {
	ID   int64
	Tags []string
}

type Opts struct{ Fn func() }

type Repo interface {
	//cache:expire=60 namespace=item:{idd}
	Typo(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=item:{it.Idd}
	FieldTypo(ctx context.Context, it Item) (Item, error)
	//cache:expire=60 namespace=item:{o.Fn} key=id
	Unkeyable(ctx context.Context, id int64, o Opts) (Item, error)
	//cache:expire=60 namespace=item:{id
	Unclosed(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=item:{id}x
	Trailing(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace={id}
	NoFamily(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=item:{a-b}
	NotAPath(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=item:{ctx}
	Context(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=item:{id} notfound=ErrNotFoud
	NotFoundTypo(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=item:{id} notfound=NotAnError,ErrConst,sql.ErrNoRows
	NotErrors(ctx context.Context, id int64) (Item, error)
	//cache:expire=60 namespace=item:{id} notfound=ErrNotFound
	NoErrorResult(ctx context.Context, id int64) Item
	//cache:expire=60 namespace=item:{id} notfound-expire=30
	ExpireAlone(ctx context.Context, id int64) (Item, error)
	//cache:invalidate namespace=item:{out.ID}
	UnnamedResult(ctx context.Context, name string) (Item, error)
	//cache:invalidate namespace=item:{id} notfound=ErrNotFound
	WriteNotFound(ctx context.Context, id int64) error
	//cache:expire=60 namespace=stock:{shop}:{id}
	GetStock(ctx context.Context, shop string, id int64) (Item, error)
	//cache:invalidate namespace=stock:{id}
	SetStock(ctx context.Context, id int64) error
}
