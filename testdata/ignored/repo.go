// Package ignored has annotations that cachegen does not read: in a block
// comment, in a _test.go file and in a file the build excludes.
package ignored

import "context"

// Repo has its annotation in a block comment.
type Repo interface {
	/*cache:expire=300 namespace=books*/
	Get(ctx context.Context, id int64) (string, error)
}
