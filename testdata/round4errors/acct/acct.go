// Package acct declares an account with an unexported field, and an
// annotated interface whose notfound= names an unexported error.
package acct

import (
	"context"
	"errors"
)

// Account is an account.
type Account struct {
	ID     int64
	secret string
}

var errGone = errors.New("gone")

// Reader reads accounts.
type Reader interface {
	//cache:expire=30 namespace=accounts notfound=errGone
	Account(ctx context.Context, id int64) (int64, error)
}

// Secret keeps secret used.
func (a Account) Secret() string { return a.secret }
