// Package dotted names a dot-imported error in notfound=.
package dotted

import (
	"context"

	. "github.com/cachegen/cachegen/testdata/annotpkg/lib/shapes"
)

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Shapes reads shapes.
type Shapes interface {
	//cache:expire=30 namespace=shapes notfound=ErrNotFound
	GetShape(ctx context.Context, id int64) (Shape, error)
}
