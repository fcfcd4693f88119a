package buildtags

import "context"

// Store is declared for Linux only, by its file's name.
type Store interface {
	//cache:expire=60 namespace=hours
	Hours(ctx context.Context) ([]Hour, error)
	//cache:invalidate namespace=hours
	Save(ctx context.Context, h Hour) error
}
