package books

import "context"

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repository reads and writes the bookshop. Its annotations follow the
// caching strategy of the fastapi-cache2 tutorial: reference data for long,
// lists briefly and invalidated by every write, searches for half a minute,
// real-time data not at all.
type Repository interface {
	// ListCategories: reference data that rarely changes.
	//cache:expire=1h namespace=categories
	ListCategories(ctx context.Context) ([]Category, error)

	// ListBooks: a short TTL, and every write to books invalidates it.
	//cache:expire=60 namespace=books
	ListBooks(ctx context.Context, f Filter) (BookPage, error)

	//cache:expire=5m namespace=books
	GetBook(ctx context.Context, id int64) (Book, error)

	// SearchBooks: many distinct queries, each asked a few times in a row.
	//cache:expire=30 namespace=books
	SearchBooks(ctx context.Context, q string, limit int) ([]Book, error)

	// Stock is real-time data (the tutorial's "no cache" row): it changes
	// with every order and must be exact, so it is deliberately not cached.
	Stock(ctx context.Context, id int64) (int, error)

	//cache:invalidate namespace=books
	CreateBook(ctx context.Context, in BookInput) (Book, error)

	//cache:invalidate namespace=books
	UpdateBook(ctx context.Context, id int64, in BookInput) (Book, error)

	//cache:invalidate namespace=books
	DeleteBook(ctx context.Context, id int64) error

	// Ping checks the database.
	Ping(ctx context.Context) error
}
