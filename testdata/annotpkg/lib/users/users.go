// Package users declares an annotated interface whose notfound= names an
// error of its own: package annotpkg embeds it.
package users

import (
	"context"
	"database/sql"
	"errors"
)

// ErrNotFound is returned for a user that does not exist.
var ErrNotFound = errors.New("user not found")

// User is a user.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Reader reads users.
type Reader interface {
	//cache:expire=30 namespace=users notfound=ErrNotFound
	GetUser(ctx context.Context, id int64) (User, error)
	//cache:expire=30 namespace=users notfound=sql.ErrNoRows
	GetByName(ctx context.Context, name string) (User, error)
}

// rows keeps the import of database/sql, which only the annotation above
// names otherwise.
var _ = sql.ErrNoRows
