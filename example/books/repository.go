package books

import "context"

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repository reads and writes the bookshop. Its annotations follow the
// caching strategy of the fastapi-cache2 tutorial: reference data for long,
// lists briefly and invalidated by every write, searches for half a minute,
// real-time data not at all. Each book is cached in a namespace of its own,
// book:{id}, so that a write to one book leaves the others cached, and a
// missing book's ErrNotFound is cached too.
type Repository interface {
	// ListCategories: reference data that rarely changes.
	//cache:expire=1h namespace=categories
	ListCategories(ctx context.Context) ([]Category, error)

	// ListBooks: a short TTL, and every write to books invalidates it.
	//cache:expire=60 namespace=books
	ListBooks(ctx context.Context, f Filter) (BookPage, error)

	// GetBook: one book, in the namespace of that book; ErrNotFound is
	// cached for a minute (creating the book invalidates it sooner).
	//cache:expire=5m namespace=book:{id} notfound=ErrNotFound notfound-expire=1m
	GetBook(ctx context.Context, id int64) (Book, error)

	// SearchBooks: many distinct queries, each asked a few times in a row.
	//cache:expire=30 namespace=books
	SearchBooks(ctx context.Context, q string, limit int) ([]Book, error)

	// Stock is real-time data (the tutorial's "no cache" row): it changes
	// with every order and must be exact, so it is deliberately not cached.
	Stock(ctx context.Context, id int64) (int, error)

	// CreateBook invalidates the new book's namespace, where a GetBook of
	// its id may have cached ErrNotFound, and the lists. When it fails it
	// names no book, and every book is invalidated.
	//cache:invalidate namespace=book:{created.ID},books
	CreateBook(ctx context.Context, in BookInput) (created Book, err error)

	//cache:invalidate namespace=book:{id},books
	UpdateBook(ctx context.Context, id int64, in BookInput) (Book, error)

	//cache:invalidate namespace=book:{id},books
	DeleteBook(ctx context.Context, id int64) error

	// Ping checks the database.
	Ping(ctx context.Context) error
}
