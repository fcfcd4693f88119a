// Package keypatherrors has key= field paths that do not resolve.
package keypatherrors

import (
	"context"
	"net/url"
	"time"
)

// Filter selects users.
type Filter struct {
	Email string
	Since time.Time
	Fn    func() int
}

// Name returns nothing useful.
func (Filter) Name() string { return "" }

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Users has mistakes in key=.
type Users interface {
	//cache:expire=300 namespace=users key=f.Emial
	Typo(ctx context.Context, f Filter) (string, error)
	//cache:expire=300 namespace=users key=f.Name
	Method(ctx context.Context, f Filter) (string, error)
	//cache:expire=300 namespace=users key=id.Value
	NotStruct(ctx context.Context, id int64) (string, error)
	//cache:expire=300 namespace=users key=u.opaque
	Unexported(ctx context.Context, u *url.URL) (string, error)
	//cache:expire=300 namespace=users key=f.Fn
	Unkeyable(ctx context.Context, f Filter) (string, error)
	//cache:expire=300 namespace=users key=g.Email
	NoParam(ctx context.Context, f Filter) (string, error)
	//cache:expire=300 namespace=users key=f.Email,f.Email
	Twice(ctx context.Context, f Filter) (string, error)
	//cache:expire=300 namespace=users key=f.Since.X
	Deeper(ctx context.Context, f *Filter) (string, error)
	//cache:expire=300 namespace=users
	FloatMap(ctx context.Context, weights map[float64]string) (string, error)
}
