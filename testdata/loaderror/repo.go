// Package loaderror has an annotated interface that does not type-check.
package loaderror

import "context"

// Repo names a type that does not exist.
type Repo interface {
	//cache:expire=300 namespace=books
	Get(ctx context.Context, id int64) (Missing, error)
}
