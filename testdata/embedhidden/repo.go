// Package embedhidden embeds an interface of another package whose source
// cachegen cannot read: a //line directive there names a file that does
// not exist.
package embedhidden

import (
	"context"

	"github.com/cachegen/cachegen/testdata/embedhidden/hidden"
)

// Repo embeds hidden.Finder.
type Repo interface {
	hidden.Finder
	//cache:expire=300 namespace=books
	Get(ctx context.Context, id int64) (string, error)
}
