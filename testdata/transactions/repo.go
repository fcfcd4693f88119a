// Package transactions wraps a repository that hands out copies of itself:
// scoped to a database transaction (WithTx, NewWithTx), or not (WithLogger).
package transactions

import (
	"context"
	"database/sql"
	"log/slog"
)

// Book is a row.
type Book struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
}

// Storer reads and writes books.
type Storer interface {
	//cache:expire=5m namespace=book:{id}
	GetBook(ctx context.Context, id int64) (Book, error)
	//cache:invalidate namespace=book:{b.ID}
	UpdateBook(ctx context.Context, b Book) error
	// WithTx returns a Storer whose calls run in tx.
	WithTx(tx *sql.Tx) Storer
	// NewWithTx is WithTx, as some projects spell it.
	NewWithTx(tx *sql.Tx) (Storer, error)
	// WithLogger returns a Storer that logs to l.
	WithLogger(l *slog.Logger) Storer
}
