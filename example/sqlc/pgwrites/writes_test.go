package pgwrites

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/cachegen/cachegen/example/sqlc/internal/dbtest"
)

type fixture struct {
	ctx    context.Context
	plain  *Queries
	cached *CachedQuerier
}

func setup(t *testing.T) fixture {
	pool := dbtest.Postgres(t, "schema.sql")
	f := fixture{context.Background(), New(pool), NewCachedQuerier(New(pool), dbtest.Cache(t, "pgwrites"))}
	a, err := f.plain.CreateAuthor(f.ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{5, 6} {
		if err := f.plain.CreateBook(f.ctx, CreateBookParams{ID: id, Isbn: fmt.Sprint("isbn-", id), AuthorID: a, Title: "old"}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// check compares a read through the cache with the same read on the database.
func check[T any](t *testing.T, what string, cached, fresh func() (T, error)) {
	t.Helper()
	c, cerr := cached()
	p, perr := fresh()
	if !reflect.DeepEqual(c, p) || (cerr == nil) != (perr == nil) {
		t.Errorf("STALE %s: cached=%+v (err %v), database=%+v (err %v)", what, c, cerr, p, perr)
	} else {
		t.Logf("ok %s: %+v", what, c)
	}
}

func TestNestedView(t *testing.T) {
	f := setup(t)
	f.cached.GetBookVV(f.ctx, 5) // cache it
	if err := f.cached.RetitleBook(f.ctx, RetitleBookParams{ID: 5, Title: "new"}); err != nil {
		t.Fatal(err)
	}
	check(t, "GetBookVV(5) after RetitleBook(5)", func() (AdvBooksVv, error) { return f.cached.GetBookVV(f.ctx, 5) }, func() (AdvBooksVv, error) { return f.plain.GetBookVV(f.ctx, 5) })
	check(t, "GetBookV(5) control", func() (AdvBooksV, error) { return f.cached.GetBookV(f.ctx, 5) }, func() (AdvBooksV, error) { return f.plain.GetBookV(f.ctx, 5) })
}

func TestTruncate(t *testing.T) {
	f := setup(t)
	f.cached.CountBooks(f.ctx)
	if err := f.cached.TruncateBooks(f.ctx); err != nil {
		t.Fatal(err)
	}
	check(t, "CountBooks after TruncateBooks", func() (int64, error) { return f.cached.CountBooks(f.ctx) }, func() (int64, error) { return f.plain.CountBooks(f.ctx) })
}

func TestRefreshMatView(t *testing.T) {
	f := setup(t)
	f.cached.ListCounts(f.ctx)
	if err := f.cached.RefreshCounts(f.ctx); err != nil {
		t.Fatal(err)
	}
	check(t, "ListCounts after RefreshCounts", func() ([]AdvBookCount, error) { return f.cached.ListCounts(f.ctx) }, func() ([]AdvBookCount, error) { return f.plain.ListCounts(f.ctx) })
}

func TestWriteThroughView(t *testing.T) {
	f := setup(t)
	f.cached.GetBook(f.ctx, 5)
	f.cached.CountBooks(f.ctx)
	if err := f.cached.RetitleViaView(f.ctx, RetitleViaViewParams{ID: 5, Title: "new"}); err != nil {
		t.Fatal(err)
	}
	check(t, "GetBook(5) after RetitleViaView(5)", func() (AdvBook, error) { return f.cached.GetBook(f.ctx, 5) }, func() (AdvBook, error) { return f.plain.GetBook(f.ctx, 5) })
}

func TestCopyFrom(t *testing.T) {
	f := setup(t)
	f.cached.CountBooks(f.ctx)
	b, _ := f.plain.GetBook(f.ctx, 5)
	if _, err := f.cached.CopyBooks(f.ctx, []CopyBooksParams{{ID: 7, Isbn: "isbn-7", AuthorID: b.AuthorID, Title: "t"}}); err != nil {
		t.Fatal(err)
	}
	check(t, "CountBooks after CopyBooks", func() (int64, error) { return f.cached.CountBooks(f.ctx) }, func() (int64, error) { return f.plain.CountBooks(f.ctx) })
}

func TestExecrowsReturning(t *testing.T) {
	f := setup(t)
	b, _ := f.cached.GetBook(f.ctx, 5)
	n, err := f.cached.UpsertBookRows(f.ctx, UpsertBookRowsParams{ID: 99, Isbn: "isbn-5", AuthorID: b.AuthorID, Title: "upserted"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rows affected %d", n)
	check(t, "GetBook(5) after UpsertBookRows(isbn-5)", func() (AdvBook, error) { return f.cached.GetBook(f.ctx, 5) }, func() (AdvBook, error) { return f.plain.GetBook(f.ctx, 5) })
}

func TestUpsertChangesID(t *testing.T) {
	f := setup(t)
	b, _ := f.cached.GetBook(f.ctx, 5)
	if _, err := f.cached.UpsertChangeID(f.ctx, UpsertChangeIDParams{ID: 50, Isbn: "isbn-5", AuthorID: b.AuthorID, Title: "x"}); err != nil {
		t.Fatal(err)
	}
	check(t, "GetBook(5) after UpsertChangeID(isbn-5 -> id 50)", func() (AdvBook, error) { return f.cached.GetBook(f.ctx, 5) }, func() (AdvBook, error) { return f.plain.GetBook(f.ctx, 5) })
}

func TestCTENameShadowsTable(t *testing.T) {
	f := setup(t)
	b, _ := f.plain.GetBook(f.ctx, 5)
	f.cached.ListAuthorsShadow(f.ctx)
	if err := f.cached.RenameAuthor(f.ctx, RenameAuthorParams{ID: b.AuthorID, Name: "renamed"}); err != nil {
		t.Fatal(err)
	}
	check(t, "ListAuthorsShadow after RenameAuthor", func() ([]AdvAuthor, error) { return f.cached.ListAuthorsShadow(f.ctx) }, func() ([]AdvAuthor, error) { return f.plain.ListAuthorsShadow(f.ctx) })

	f.cached.GetBook(f.ctx, 5)
	if err := f.cached.RetitleCTEShadow(f.ctx, RetitleCTEShadowParams{ID: 5, Title: "new", Column3: b.AuthorID}); err != nil {
		t.Fatal(err)
	}
	check(t, "GetBook(5) after RetitleCTEShadow(5)", func() (AdvBook, error) { return f.cached.GetBook(f.ctx, 5) }, func() (AdvBook, error) { return f.plain.GetBook(f.ctx, 5) })
}

func TestDeleteCascadesThroughAlterTableForeignKey(t *testing.T) {
	f := setup(t)
	if err := f.plain.CreateReview(f.ctx, CreateReviewParams{ID: 1, BookID: 5, Body: "good"}); err != nil {
		t.Fatal(err)
	}
	f.cached.GetReview(f.ctx, 1)
	if err := f.cached.DeleteBook(f.ctx, 5); err != nil {
		t.Fatal(err)
	}
	check(t, "GetReview(1) after DeleteBook(5)", func() (AdvReview, error) { return f.cached.GetReview(f.ctx, 1) }, func() (AdvReview, error) { return f.plain.GetReview(f.ctx, 1) })
}

func TestMerge(t *testing.T) {
	f := setup(t)
	f.cached.GetBook(f.ctx, 5)
	if err := f.cached.MergeTitle(f.ctx); err != nil {
		t.Fatal(err)
	}
	check(t, "GetBook(5) after MergeTitle", func() (AdvBook, error) { return f.cached.GetBook(f.ctx, 5) }, func() (AdvBook, error) { return f.plain.GetBook(f.ctx, 5) })
}
