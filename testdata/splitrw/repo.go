// Package splitrw caches books in one interface and invalidates them in
// another, so that cachegen --type BookWriter must accept the namespace.
package splitrw

import "context"

// Book is a cached value.
type Book struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// BookReader reads books.
type BookReader interface {
	//cache:expire=300 namespace=books
	Get(ctx context.Context, id int64) (Book, error)
}

// BookWriter writes books.
type BookWriter interface {
	//cache:invalidate namespace=books
	Put(ctx context.Context, b Book) error
}
