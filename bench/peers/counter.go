package peers

import "context"

// Counter is the interface of the stale-read harness: a database holding one
// counter, which every write increments.
type Counter interface {
	//cache:expire=1h namespace=counter
	Read(ctx context.Context) (int64, error)
	//cache:invalidate namespace=counter
	Write(ctx context.Context) (int64, error)
}
