// Package generic has an annotated generic interface that nothing
// instantiates.
package generic

import "context"

// Repo is generic over its key and value.
type Repo[K comparable, V any] interface {
	//cache:expire=300 namespace=items
	Get(ctx context.Context, id K) (V, error)
}
