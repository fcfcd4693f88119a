// Package errors holds one mistake of each kind cachegen diagnoses.
package errors

import (
	"context"
	"io"
)

// Book is fine to cache.
type Book struct {
	ID    int64
	Title string
}

// Secret loses a field in encoding/json.
type Secret struct {
	Name string
	hash []byte
}

// Hidden has a field encoding/json skips.
type Hidden struct {
	Name     string
	Password string `json:"-"`
}

// Shape holds an interface.
type Shape struct {
	Body io.Reader
}

// Repo is annotated with mistakes.
type Repo interface {
	//cache:expir=300 namespace=books
	UnknownOption(ctx context.Context, id int64) (Book, error)

	//cache:expire=soon namespace=books
	BadTTL(ctx context.Context, id int64) (Book, error)

	//cache:expire=0 namespace=books
	ZeroTTL(ctx context.Context, id int64) (Book, error)

	//cache:expire=-5m namespace=books
	NegativeTTL(ctx context.Context, id int64) (Book, error)

	//cache:expire=300
	NoNamespace(ctx context.Context, id int64) (Book, error)

	//cache:expire=300 namespace=books expire=60
	DuplicateOption(ctx context.Context, id int64) (Book, error)

	//cache:expire=300 namespace=bo{o}ks,a*b
	BadNamespace(ctx context.Context, id int64) (Book, error)

	// cache:expire=300 namespace=books
	Spaced(ctx context.Context, id int64) (Book, error)

	//cache:expire=300 namespace=books
	NoValue(ctx context.Context) error

	//cache:expire=300 namespace=books
	Unkeyable(ctx context.Context, cb func() int, ch chan int) (Book, error)

	//cache:expire=300 namespace=books key=idd
	UnknownKey(ctx context.Context, id int64) (Book, error)

	//cache:expire=300 namespace=books
	Uncodable(ctx context.Context, id int64) (Secret, error)

	//cache:expire=300 namespace=books
	Skipped(ctx context.Context, id int64) (*Hidden, error)

	//cache:expire=300 namespace=books
	InterfaceField(ctx context.Context, id int64) ([]Shape, error)

	//cache:expire=300 namespace=books
	InterfaceResult(ctx context.Context, id int64) (any, error)

	//cache:invalidate namespace=bokks
	Typo(ctx context.Context) error

	//cache:invalidate expire=300 namespace=books
	Both(ctx context.Context) error

	//cache:expire=300 namespace=books
	//cache:expire=60 namespace=books
	TwoLines(ctx context.Context, id int64) (Book, error)

	//cache:
	Empty(ctx context.Context) error
}

// Impl is not an interface.
type Impl struct{}

//cache:expire=300 namespace=books
func (Impl) Get(ctx context.Context, id int64) (Book, error) { return Book{}, nil }

// Clash is fine, but its wrapper's name is taken.
type Clash interface {
	//cache:expire=300 namespace=books
	Get(ctx context.Context, id int64) (Book, error)
}

// CachedClash is declared by hand.
type CachedClash struct{}
