// Package annotpkg embeds another package's annotated interface: the
// names of its annotations resolve in that package, not in this one, even
// where this one declares the same name.
package annotpkg

import (
	"context"
	"errors"

	"github.com/cachegen/cachegen/testdata/annotpkg/lib/users"
)

// ErrNotFound is this package's own, which GetUser's notfound= does not
// name.
var ErrNotFound = errors.New("not found here")

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repo reads users and saves them.
type Repo interface {
	users.Reader
	//cache:invalidate namespace=users
	SaveUser(ctx context.Context, u users.User) error
}
