// Package hidden declares an interface at a position that names a file
// that does not exist.
package hidden

import "context"

//line gone.go:1
type Finder interface {
	Find(ctx context.Context, q string) ([]string, error)
}
