package mysqlwrites

import (
	"context"
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
	db := dbtest.MySQL(t, "schema.sql")
	f := fixture{context.Background(), New(db), NewCachedQuerier(New(db), dbtest.Cache(t, "mysqlwrites"))}
	a, err := f.plain.CreateAuthor(f.ctx, "ann")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.plain.CreateBook(f.ctx, CreateBookParams{ID: 5, AuthorID: a + 100, Title: "old", Subtitle: "old"}); err != nil {
		t.Fatal(err)
	}
	return f
}

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

func TestTruncate(t *testing.T) {
	f := setup(t)
	f.cached.ListBooks(f.ctx)
	if err := f.cached.TruncateBooks(f.ctx); err != nil {
		t.Fatal(err)
	}
	check(t, "ListBooks after TruncateBooks", func() ([]AdvBook, error) { return f.cached.ListBooks(f.ctx) }, func() ([]AdvBook, error) { return f.plain.ListBooks(f.ctx) })
}

func TestJoinUpdateUnqualifiedSet(t *testing.T) {
	f := setup(t)
	b, _ := f.cached.GetBook(f.ctx, 5)
	f.cached.ListBooks(f.ctx)
	// make the join match: author row with id = b.AuthorID
	if _, err := f.plain.db.ExecContext(f.ctx, "INSERT INTO adv_authors (id, name) VALUES (?, 'bob')", b.AuthorID); err != nil {
		t.Fatal(err)
	}
	if err := f.cached.RetitleJoin(f.ctx, RetitleJoinParams{Title: "new", ID: b.AuthorID}); err != nil {
		t.Fatal(err)
	}
	check(t, "GetBook(5) after RetitleJoin", func() (AdvBook, error) { return f.cached.GetBook(f.ctx, 5) }, func() (AdvBook, error) { return f.plain.GetBook(f.ctx, 5) })
	check(t, "ListBooks after RetitleJoin", func() ([]AdvBook, error) { return f.cached.ListBooks(f.ctx) }, func() ([]AdvBook, error) { return f.plain.ListBooks(f.ctx) })
}

func TestRepeatedNamedParam(t *testing.T) {
	f := setup(t)
	b, _ := f.plain.GetBook(f.ctx, 5)
	arg := GetBookDupParams{T: "old", ID: 5, Aid: b.AuthorID}
	f.cached.GetBookDup(f.ctx, arg)
	if err := f.cached.RetitleBook(f.ctx, RetitleBookParams{Title: "new", ID: 5}); err != nil {
		t.Fatal(err)
	}
	check(t, "GetBookDup(t=old,id=5) after RetitleBook(5)", func() (AdvBook, error) { return f.cached.GetBookDup(f.ctx, arg) }, func() (AdvBook, error) { return f.plain.GetBookDup(f.ctx, arg) })
}

func TestCaseInsensitiveKey(t *testing.T) {
	f := setup(t)
	if err := f.plain.CreateCode(f.ctx, CreateCodeParams{Code: "ABC", Label: "old"}); err != nil {
		t.Fatal(err)
	}
	f.cached.GetCode(f.ctx, "ABC")
	if err := f.cached.RelabelCode(f.ctx, RelabelCodeParams{Label: "new", Code: "abc"}); err != nil {
		t.Fatal(err)
	}
	check(t, `GetCode("ABC") after RelabelCode("abc")`, func() (AdvCode, error) { return f.cached.GetCode(f.ctx, "ABC") }, func() (AdvCode, error) { return f.plain.GetCode(f.ctx, "ABC") })
}
