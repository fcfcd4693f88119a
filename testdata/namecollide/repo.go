// Package namecollide has interfaces whose generated names would collide:
// UserRepo and Userrepo lowercase to one file name, AB.CList and ABC.List
// to one result type. Names are handed out over the whole package.
package namecollide

import "context"

// User is a cached value.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// UserRepo reads users.
type UserRepo interface {
	//cache:expire=300 namespace=users
	Get(ctx context.Context, id int64) (User, error)
}

// Userrepo reads users too.
type Userrepo interface {
	//cache:expire=300 namespace=users
	Get(ctx context.Context, id int64) (User, error)
}

// AB lists pages of users.
type AB interface {
	//cache:expire=300 namespace=users
	CList(ctx context.Context, page int) ([]User, int, error)
}

// ABC lists pages of users too.
type ABC interface {
	//cache:expire=300 namespace=users
	List(ctx context.Context, page int) ([]User, bool, error)
}
