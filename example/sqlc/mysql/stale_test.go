package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/cachegen/cachegen/example/sqlc/internal/dbtest"
	_ "github.com/go-sql-driver/mysql"
)

// countingDB counts the queries that reach the database.
type countingDB struct {
	DBTX
	n atomic.Int64
}

func (c *countingDB) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.DBTX.ExecContext(ctx, q, args...)
}

func (c *countingDB) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.DBTX.QueryContext(ctx, q, args...)
}

func (c *countingDB) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.DBTX.QueryRowContext(ctx, q, args...)
}

var names = []string{"ann", "bob", "cid", "dee"}

// TestNoStaleReads makes random writes through the cached Querier, whose
// writes carry no annotation, and after each compares every cached read,
// over a spread of arguments, with the same read on the uncached Queries.
func TestNoStaleReads(t *testing.T) {
	sqldb := dbtest.MySQL(t, "schema.sql")
	ctx := context.Background()
	db := &countingDB{DBTX: sqldb}
	plain := New(sqldb)
	cached := NewCachedQuerier(New(db), dbtest.Cache(t, "sqlcmysql"))
	rng := rand.New(rand.NewPCG(1, 19))
	var authors, books []int64
	hits, reads, mismatches := 0, 0, 0
	firstHits, firsts := 0, 0 // the first cached read after a write: the hit rate the invalidations leave
	check := func(what string, f func(q Querier) (any, error)) {
		want, wantErr := f(plain)
		start := db.n.Load()
		got, gotErr := f(cached)
		firsts++
		if db.n.Load() == start {
			firstHits++
		}
		if !reflect.DeepEqual(got, want) || (wantErr == nil) != (gotErr == nil) || wantErr != nil && !errors.Is(gotErr, sql.ErrNoRows) {
			mismatches++
			t.Errorf("%s: cached %v, %v; database %v, %v", what, got, gotErr, want, wantErr)
		}
		if gotErr != nil {
			return
		}
		before := db.n.Load()
		f(cached)
		reads++
		if db.n.Load() == before {
			hits++
		}
	}
	pick := func(ids []int64) int64 {
		if len(ids) == 0 || rng.IntN(5) == 0 {
			return int64(rng.IntN(1000) + 1000) // none such
		}
		return ids[rng.IntN(len(ids))]
	}
	for step := range 300 {
		var err error
		switch op := rng.IntN(6); {
		case op == 0 || len(authors) == 0:
			var id int64
			id, err = cached.CreateAuthor(ctx, names[rng.IntN(len(names))])
			authors = append(authors, id)
		case op == 1:
			err = cached.RenameAuthor(ctx, RenameAuthorParams{ID: pick(authors), Name: names[rng.IntN(len(names))]})
		case op == 2 && rng.IntN(3) == 0:
			id := pick(authors)
			err = cached.DeleteAuthor(ctx, id)
			for i, a := range authors {
				if a == id {
					authors = append(authors[:i], authors[i+1:]...)
					break
				}
			}
		case op <= 4:
			var id int64
			id, err = cached.CreateBook(ctx, CreateBookParams{AuthorID: authors[rng.IntN(len(authors))], Title: fmt.Sprint("t", rng.IntN(4))})
			books = append(books, id)
		default:
			_, err = cached.RetitleBooks(ctx, RetitleBooksParams{Title: fmt.Sprint("t", rng.IntN(4)), Title_2: fmt.Sprint("t", rng.IntN(4))})
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		for range 3 {
			id := pick(authors)
			check(fmt.Sprintf("step %d GetAuthor(%d)", step, id), func(q Querier) (any, error) { return q.GetAuthor(ctx, id) })
			bid := pick(books)
			check(fmt.Sprintf("step %d GetBook(%d)", step, bid), func(q Querier) (any, error) { return q.GetBook(ctx, bid) })
		}
		check(fmt.Sprintf("step %d ListAuthors", step), func(q Querier) (any, error) { return q.ListAuthors(ctx) })
		for _, n := range names {
			check(fmt.Sprintf("step %d BooksByAuthorName(%s)", step, n), func(q Querier) (any, error) { return q.BooksByAuthorName(ctx, n) })
		}
	}
	if mismatches > 0 {
		t.Fatalf("%d stale reads", mismatches)
	}
	if hits != reads {
		t.Errorf("%d of %d repeated reads reached the database", reads-hits, reads)
	}
	t.Logf("0 stale reads; %d repeated reads, all served by the cache; first reads after a write: %d hits of %d", reads, firstHits, firsts)
}
