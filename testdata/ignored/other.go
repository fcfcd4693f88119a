//go:build ignore

package ignored

import "context"

// OtherRepo is in a file the build excludes.
type OtherRepo interface {
	//cache:expire=300 namespace=books
	Get(ctx context.Context, id int64) (string, error)
}
