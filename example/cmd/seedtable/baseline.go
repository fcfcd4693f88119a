package main

import (
	"context"

	"github.com/cachegen/cachegen/example/books"
)

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// WholeNamespace is books.Repository as it was annotated before books had
// namespaces of their own: every book in the namespace books, so that every
// write invalidates every cached book. It is the baseline of the mixed
// scenario; the books are the same, only the annotations differ.
type WholeNamespace interface {
	//cache:expire=1h namespace=categories
	ListCategories(ctx context.Context) ([]books.Category, error)
	//cache:expire=60 namespace=books
	ListBooks(ctx context.Context, f books.Filter) (books.BookPage, error)
	//cache:expire=5m namespace=books
	GetBook(ctx context.Context, id int64) (books.Book, error)
	//cache:expire=30 namespace=books
	SearchBooks(ctx context.Context, q string, limit int) ([]books.Book, error)
	Stock(ctx context.Context, id int64) (int, error)
	//cache:invalidate namespace=books
	CreateBook(ctx context.Context, in books.BookInput) (books.Book, error)
	//cache:invalidate namespace=books
	UpdateBook(ctx context.Context, id int64, in books.BookInput) (books.Book, error)
	//cache:invalidate namespace=books
	DeleteBook(ctx context.Context, id int64) error
	Ping(ctx context.Context) error
}
