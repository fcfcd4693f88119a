// Package books is the example's data layer: the books and categories of a
// bookshop in MariaDB or MySQL, behind a Repository interface whose reads
// cachegen caches in Redis.
package books

import (
	"errors"
	"time"
)

// Category groups books.
type Category struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Book is a row of the books table.
type Book struct {
	ID         int64     `json:"id"`
	Title      string    `json:"title"`
	Author     string    `json:"author"`
	CategoryID int64     `json:"category_id"`
	PriceCents int64     `json:"price_cents"`
	Published  int       `json:"published"` // year
	UpdatedAt  time.Time `json:"updated_at"`
}

// BookInput is what a client sends to create or update a book.
type BookInput struct {
	Title      string `json:"title"`
	Author     string `json:"author"`
	CategoryID int64  `json:"category_id"`
	PriceCents int64  `json:"price_cents"`
	Published  int    `json:"published"`
}

// Filter selects and pages the book list.
type Filter struct {
	CategoryID int64  // 0: every category
	Author     string // "": every author
	Page       int    // from 1
	PerPage    int    // 1 to MaxPerPage
}

// MaxPerPage bounds Filter.PerPage.
const MaxPerPage = 100

// BookPage is one page of the book list.
type BookPage struct {
	Books   []Book `json:"books"`
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	Total   int64  `json:"total"`
}

// ErrNotFound is returned for a book that does not exist.
var ErrNotFound = errors.New("not found")

// InvalidError says why a BookInput or a Filter was refused.
type InvalidError struct{ Reason string }

func (e *InvalidError) Error() string { return e.Reason }

// Validate checks a BookInput.
func (in BookInput) Validate() error {
	switch {
	case in.Title == "" || len(in.Title) > 255:
		return &InvalidError{"title must be 1 to 255 bytes"}
	case in.Author == "" || len(in.Author) > 255:
		return &InvalidError{"author must be 1 to 255 bytes"}
	case in.CategoryID <= 0:
		return &InvalidError{"category_id must be a category's id"}
	case in.PriceCents < 0:
		return &InvalidError{"price_cents must not be negative"}
	case in.Published < 0 || in.Published > 9999:
		return &InvalidError{"published must be a year from 0 to 9999"}
	}
	return nil
}

// Validate checks a Filter.
func (f Filter) Validate() error {
	switch {
	case f.Page < 1:
		return &InvalidError{"page must be 1 or more"}
	case f.PerPage < 1 || f.PerPage > MaxPerPage:
		return &InvalidError{"per_page must be from 1 to 100"}
	case f.CategoryID < 0:
		return &InvalidError{"category must be a category's id"}
	}
	return nil
}
