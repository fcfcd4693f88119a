package ignored

import "context"

// TestRepo is declared in a test file.
type TestRepo interface {
	//cache:expire=300 namespace=books
	Get(ctx context.Context, id int64) (string, error)
}
