// Package basic is the README's example: reads cached in one or two
// namespaces, a write that invalidates, and a method passed through.
package basic

import "context"

// Book is a row of the books table.
type Book struct {
	ID     int64    `json:"id"`
	Title  string   `json:"title"`
	Author string   `json:"author"`
	Tags   []string `json:"tags,omitempty"`
}

// Filter selects books.
type Filter struct {
	Author string
	Tag    string
	Limit  int
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// BookRepository reads and writes books.
type BookRepository interface {
	//cache:expire=300 namespace=books
	ListBooks(ctx context.Context, f Filter) ([]Book, error)
	//cache:expire=1h namespace=books,authors
	GetBook(ctx context.Context, id int64) (*Book, error)
	//cache:invalidate namespace=books
	CreateBook(ctx context.Context, b *Book) (int64, error)
	Ping(ctx context.Context) error // not annotated: passed through
}
