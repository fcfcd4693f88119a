// Package other declares an annotated interface that package embedded
// embeds.
package other

import "context"

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Finder finds titles.
type Finder interface {
	//cache:expire=120 namespace=found
	Find(ctx context.Context, q string) ([]string, error)
}
