// Package batcherrors holds batch reads that cachegen refuses.
package batcherrors

import "context"

// Book is one row.
type Book struct {
	ID   int64  `json:"id"`
	Code string `json:"code"`
}

// Secret cannot be cached: JSON drops its unexported field.
type Secret struct {
	ID  int64 `json:"id"`
	key string
}

// BadRepository misuses batch.
type BadRepository interface {
	//cache:expire=5m namespace=book:{id} batch by=ID
	NoSlice(ctx context.Context, id int64) ([]Book, error)
	//cache:expire=5m namespace=book:{ids} batch by=Id
	NoField(ctx context.Context, ids []int64) ([]Book, error)
	//cache:expire=5m namespace=book:{ids} batch by=Code
	WrongField(ctx context.Context, ids []int64) ([]Book, error)
	//cache:expire=5m namespace=book:{ids} batch by=ID
	NotASlice(ctx context.Context, ids []int64) (Book, error)
	//cache:expire=5m namespace=book:{ids} batch
	WrongMapKey(ctx context.Context, ids []int64) (map[string]Book, error)
	//cache:expire=5m namespace=book:{ids} batch by=ID
	MapWithBy(ctx context.Context, ids []int64) (map[int64]Book, error)
	//cache:expire=5m namespace=book:{ids} batch
	NoBy(ctx context.Context, ids []int64) ([]Book, error)
	//cache:expire=5m namespace=book:{id} batch by=ID
	OtherTemplate(ctx context.Context, ids []int64) ([]Book, error)
	//cache:expire=5m namespace=book:{ids} batch by=ID
	Extra(ctx context.Context, ids []int64, limit int) ([]Book, error)
	//cache:expire=5m namespace=secret:{ids} batch by=ID
	Secrets(ctx context.Context, ids []int64) ([]Secret, error)
	//cache:expire=5m namespace=book:{ids} by=ID
	ByWithoutBatch(ctx context.Context, ids []int64) ([]Book, error)
	//cache:invalidate namespace=book batch
	Write(ctx context.Context) error
	//cache:expire=5m namespace=book:{ids} batch=yes by=ID
	BatchValue(ctx context.Context, ids []int64) ([]Book, error)
	//cache:expire=5m namespace=book:{ids} refresh=1m batch by=ID
	Refreshed(ctx context.Context, ids []int64) ([]Book, error)
}
