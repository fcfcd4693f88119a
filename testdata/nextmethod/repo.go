// Package nextmethod has an unexported method named next, the name of the
// wrapper's field holding the wrapped value.
package nextmethod

import "context"

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Cursor walks rows.
type Cursor interface {
	//cache:expire=300 namespace=rows
	next(ctx context.Context, after int64) (int64, error)
	Close() error
}
