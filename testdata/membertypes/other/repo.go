// Package other writes family a of the parent package with string ids.
package other

import "context"

type Writer interface {
	//cache:invalidate namespace=a:{name}
	SetAByName(ctx context.Context, name string) error
}
