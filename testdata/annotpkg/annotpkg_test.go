package annotpkg

import (
	"context"
	"database/sql"
	"testing"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/testdata/annotpkg/dotted"
	"github.com/cachegen/cachegen/testdata/annotpkg/lib/shapes"
	"github.com/cachegen/cachegen/testdata/annotpkg/lib/users"
)

type repo struct{ calls int }

func (r *repo) GetUser(ctx context.Context, id int64) (users.User, error) {
	r.calls++
	return users.User{}, users.ErrNotFound
}

func (r *repo) GetByName(ctx context.Context, name string) (users.User, error) {
	r.calls++
	return users.User{}, sql.ErrNoRows
}

func (r *repo) SaveUser(ctx context.Context, u users.User) error { return nil }

// TestEmbeddedNotFound: the not-found error of users' annotation is cached
// (users.ErrNotFound, not this package's ErrNotFound), and so is the one
// its file imports (sql.ErrNoRows).
func TestEmbeddedNotFound(t *testing.T) {
	ctx := context.Background()
	r := &repo{}
	c := NewCachedRepo(r, cache.New(cache.NewMemoryStore()))
	for range 2 {
		if _, err := c.GetUser(ctx, 1); err != users.ErrNotFound {
			t.Fatalf("GetUser: %v", err)
		}
		if _, err := c.GetByName(ctx, "x"); err != sql.ErrNoRows {
			t.Fatalf("GetByName: %v", err)
		}
	}
	if r.calls != 2 {
		t.Fatalf("%d repository calls for 2 misses and 2 cached not-found outcomes, want 2", r.calls)
	}
	c.SaveUser(ctx, users.User{})
	c.GetUser(ctx, 1)
	if r.calls != 3 {
		t.Fatalf("after SaveUser: %d repository calls, want 3", r.calls)
	}
}

type shapeRepo struct{ calls int }

func (r *shapeRepo) GetShape(ctx context.Context, id int64) (shapes.Shape, error) {
	r.calls++
	return shapes.Shape{}, shapes.ErrNotFound
}

// TestDotImportNotFound: notfound=ErrNotFound names the dot-imported
// shapes.ErrNotFound.
func TestDotImportNotFound(t *testing.T) {
	r := &shapeRepo{}
	c := dotted.NewCachedShapes(r, cache.New(cache.NewMemoryStore()))
	for range 2 {
		if _, err := c.GetShape(context.Background(), 1); err != shapes.ErrNotFound {
			t.Fatalf("GetShape: %v", err)
		}
	}
	if r.calls != 1 {
		t.Fatalf("%d repository calls, want 1", r.calls)
	}
}
