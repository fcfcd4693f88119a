// Package unexported wraps an unexported interface: the wrapper and its
// constructor are unexported too.
package unexported

import "context"

type bookStore interface {
	//cache:expire=60 namespace=books
	title(ctx context.Context, id int64) (string, error)
}
