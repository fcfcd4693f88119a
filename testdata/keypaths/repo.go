// Package keypaths keys reads on fields of their parameters, through
// pointers and embedded structs: key=f.Email, key=q.TenantID,q.Page.
package keypaths

import "context"

// User is a cached value.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
}

// Filter selects users; only Email identifies the result.
type Filter struct {
	Email string
	Trace string // for logs, not part of the key
}

// Options page a query.
type Options struct {
	Limit int
}

// Tenant is embedded by Query.
type Tenant struct {
	TenantID string
}

// Query selects a page of a tenant's users.
type Query struct {
	*Tenant
	Page  int
	Opts  *Options
	debug bool
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Users reads users.
type Users interface {
	//cache:expire=300 namespace=users key=f.Email
	FindByEmail(ctx context.Context, f *Filter) (User, error)
	//cache:expire=300 namespace=users key=q.TenantID,q.Page
	List(ctx context.Context, q Query) ([]User, error)
	//cache:expire=300 namespace=users key=q.Opts.Limit,q.Page,region
	Deep(ctx context.Context, region string, q *Query) ([]User, error)
}
