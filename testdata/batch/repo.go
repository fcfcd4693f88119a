// Package batch caches batch reads per element: GetBooks(ctx, ids) and its
// map form, each book under an entry of its own in the member book:{id}
// that GetBook and UpdateBook name.
package batch

import (
	"context"
	"errors"
)

// ErrNotFound is what the repository returns for a missing book.
var ErrNotFound = errors.New("book not found")

// BookID identifies a book.
type BookID int64

// Book is one row.
type Book struct {
	ID    BookID `json:"id"`
	Title string `json:"title"`
}

// BookRepository reads and writes books.
type BookRepository interface {
	//cache:expire=5m namespace=book:{id} notfound=ErrNotFound
	GetBook(ctx context.Context, id BookID) (Book, error)
	//cache:expire=5m namespace=book:{ids} notfound=ErrNotFound batch by=ID
	GetBooks(ctx context.Context, ids []BookID) ([]Book, error)
	//cache:expire=5m namespace=book:{ids} batch by=ID
	GetBookPtrs(ctx context.Context, ids []BookID) ([]*Book, error)
	//cache:expire=5m namespace=book:{ids},books batch
	BookMap(ctx context.Context, ids ...BookID) (map[BookID]Book, error)
	//cache:invalidate namespace=book:{b.ID}
	UpdateBook(ctx context.Context, b Book) error
	//cache:invalidate namespace=books
	Reshelve(ctx context.Context) error
}
