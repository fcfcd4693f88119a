package books

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQL is the Repository over MariaDB or MySQL.
type MySQL struct {
	db *sql.DB
}

var _ Repository = (*MySQL)(nil)

// NewMySQL returns the Repository over db, opened with [Open].
func NewMySQL(db *sql.DB) *MySQL { return &MySQL{db: db} }

// Open opens the database named by dsn (go-sql-driver/mysql syntax, as
// "root@tcp(127.0.0.1:3306)/test"), with times parsed in UTC.
func Open(dsn string) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("MYSQL_DSN: %w", err)
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxLifetime(5 * time.Minute)
	return db, nil
}

const bookColumns = "id, title, author, category_id, price_cents, published, updated_at"

func scanBook(s interface{ Scan(...any) error }) (Book, error) {
	var b Book
	err := s.Scan(&b.ID, &b.Title, &b.Author, &b.CategoryID, &b.PriceCents, &b.Published, &b.UpdatedAt)
	return b, err
}

func queryBooks(ctx context.Context, db *sql.DB, query string, args ...any) ([]Book, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Book{}
	for rows.Next() {
		b, err := scanBook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// ListCategories implements Repository.
func (r *MySQL) ListCategories(ctx context.Context) ([]Category, error) {
	rows, err := r.db.QueryContext(ctx, "SELECT id, name FROM categories ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Category{}
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ListBooks implements Repository.
func (r *MySQL) ListBooks(ctx context.Context, f Filter) (BookPage, error) {
	if err := f.Validate(); err != nil {
		return BookPage{}, err
	}
	var where []string
	var args []any
	if f.CategoryID != 0 {
		where = append(where, "category_id = ?")
		args = append(args, f.CategoryID)
	}
	if f.Author != "" {
		where = append(where, "author = ?")
		args = append(args, f.Author)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	page := BookPage{Page: f.Page, PerPage: f.PerPage}
	if err := r.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM books"+cond, args...).Scan(&page.Total); err != nil {
		return BookPage{}, err
	}
	var err error
	page.Books, err = queryBooks(ctx, r.db, "SELECT "+bookColumns+" FROM books"+cond+" ORDER BY id LIMIT ? OFFSET ?",
		append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
	return page, err
}

// GetBook implements Repository.
func (r *MySQL) GetBook(ctx context.Context, id int64) (Book, error) {
	b, err := scanBook(r.db.QueryRowContext(ctx, "SELECT "+bookColumns+" FROM books WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Book{}, ErrNotFound
	}
	return b, err
}

// SearchBooks implements Repository: titles and authors containing q.
func (r *MySQL) SearchBooks(ctx context.Context, q string, limit int) ([]Book, error) {
	like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(q) + "%"
	return queryBooks(ctx, r.db, "SELECT "+bookColumns+" FROM books WHERE title LIKE ? OR author LIKE ? ORDER BY id LIMIT ?", like, like, limit)
}

// Stock implements Repository.
func (r *MySQL) Stock(ctx context.Context, id int64) (int, error) {
	var n int
	err := r.db.QueryRowContext(ctx, "SELECT stock FROM books WHERE id = ?", id).Scan(&n)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return n, err
}

// now is the time stored in updated_at, at the column's precision.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// CreateBook implements Repository.
func (r *MySQL) CreateBook(ctx context.Context, in BookInput) (Book, error) {
	if err := in.Validate(); err != nil {
		return Book{}, err
	}
	b := Book{Title: in.Title, Author: in.Author, CategoryID: in.CategoryID, PriceCents: in.PriceCents, Published: in.Published, UpdatedAt: now()}
	res, err := r.db.ExecContext(ctx, "INSERT INTO books (title, author, category_id, price_cents, published, stock, updated_at) VALUES (?, ?, ?, ?, ?, 0, ?)",
		b.Title, b.Author, b.CategoryID, b.PriceCents, b.Published, b.UpdatedAt)
	if err != nil {
		return Book{}, categoryError(err, in.CategoryID)
	}
	b.ID, err = res.LastInsertId()
	return b, err
}

// UpdateBook implements Repository.
func (r *MySQL) UpdateBook(ctx context.Context, id int64, in BookInput) (Book, error) {
	if err := in.Validate(); err != nil {
		return Book{}, err
	}
	b := Book{ID: id, Title: in.Title, Author: in.Author, CategoryID: in.CategoryID, PriceCents: in.PriceCents, Published: in.Published, UpdatedAt: now()}
	res, err := r.db.ExecContext(ctx, "UPDATE books SET title = ?, author = ?, category_id = ?, price_cents = ?, published = ?, updated_at = ? WHERE id = ?",
		b.Title, b.Author, b.CategoryID, b.PriceCents, b.Published, b.UpdatedAt, id)
	if err != nil {
		return Book{}, categoryError(err, in.CategoryID)
	}
	if n, err := res.RowsAffected(); err != nil {
		return Book{}, err
	} else if n == 0 {
		return Book{}, ErrNotFound
	}
	return b, nil
}

// DeleteBook implements Repository.
func (r *MySQL) DeleteBook(ctx context.Context, id int64) error {
	res, err := r.db.ExecContext(ctx, "DELETE FROM books WHERE id = ?", id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return ErrNotFound
	}
	return nil
}

// Ping implements Repository.
func (r *MySQL) Ping(ctx context.Context) error { return r.db.PingContext(ctx) }

// categoryError turns a foreign key failure into an InvalidError.
func categoryError(err error, categoryID int64) error {
	var me *mysql.MySQLError
	if errors.As(err, &me) && me.Number == 1452 { // ER_NO_REFERENCED_ROW_2
		return &InvalidError{fmt.Sprintf("category_id %d does not exist", categoryID)}
	}
	return err
}
