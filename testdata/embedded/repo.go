// Package embedded wraps interfaces whose annotated methods come from
// interfaces they embed: one of this package, one of another package, and
// an instantiation of a generic one.
package embedded

import (
	"context"

	"github.com/cachegen/cachegen/testdata/embedded/other"
)

// Book is a cached value.
type Book struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Base is embedded by Repo; it is wrapped too.
type Base interface {
	//cache:expire=300 namespace=books
	Get(ctx context.Context, id int64) (Book, error)
}

// Repo gets Get from Base and Find from other.Finder, cached as if declared
// here.
type Repo interface {
	Base
	other.Finder
	//cache:invalidate namespace=books,found
	Put(ctx context.Context, b Book) error
}

// Store is generic, so it is wrapped through BookStore.
type Store[T any] interface {
	//cache:expire=60 namespace=store
	Load(ctx context.Context, id int64) (T, error)
	//cache:invalidate namespace=store
	Save(ctx context.Context, v T) error
}

// BookStore is Store of books.
type BookStore interface {
	Store[Book]
}
