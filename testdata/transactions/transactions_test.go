package transactions

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// db is a database with transactions: a write made in a transaction is
// seen by reads of that transaction, and by the others once committed.
type db struct {
	mu        sync.Mutex
	committed map[int64]string
	pending   map[int64]string // the open transaction's writes
	loads     int
}

// store is a Storer over db, in its transaction or not.
type store struct {
	db   *db
	inTx bool
}

func (s *store) GetBook(ctx context.Context, id int64) (Book, error) {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	s.db.loads++
	if t, ok := s.db.pending[id]; ok && s.inTx {
		return Book{id, t}, nil
	}
	return Book{id, s.db.committed[id]}, nil
}

func (s *store) UpdateBook(ctx context.Context, b Book) error {
	s.db.mu.Lock()
	defer s.db.mu.Unlock()
	if s.inTx {
		s.db.pending[b.ID] = b.Title
	} else {
		s.db.committed[b.ID] = b.Title
	}
	return nil
}

func (s *store) WithTx(*sql.Tx) Storer             { return &store{db: s.db, inTx: true} }
func (s *store) NewWithTx(*sql.Tx) (Storer, error) { return &store{db: s.db, inTx: true}, nil }
func (s *store) WithLogger(l *slog.Logger) Storer  { return &store{db: s.db} }
func (d *db) commit() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for id, t := range d.pending {
		d.committed[id] = t
	}
	d.pending = map[int64]string{}
}

func newDB() *db {
	return &db{committed: map[int64]string{1: "v1"}, pending: map[int64]string{}}
}

func newCache(t *testing.T, opts ...cache.Option) *cache.Cache {
	s := cache.NewMemoryStore()
	if url := os.Getenv("CACHEGEN_REDIS_URL"); url != "" {
		opt, err := cache.ParseRedisURL(url)
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		t.Cleanup(func() { rdb.Close() })
		s = cache.NewRedisStore(rdb)
	}
	opts = append(opts, cache.WithPrefix(fmt.Sprintf("cgtest:tx:%s:%d", t.Name(), time.Now().UnixNano())))
	return cache.New(s, opts...)
}

func title(t *testing.T, r Storer, ctx context.Context) string {
	t.Helper()
	b, err := r.GetBook(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	return b.Title
}

// TestCommitInvalidatesAgain: another process reads, during the
// transaction, the data from before it, and stores it under the versions the
// transaction's write made; Tx.Commit after the database commit makes that
// entry stale.
func TestCommitInvalidatesAgain(t *testing.T) {
	for _, commit := range []bool{false, true} {
		t.Run(fmt.Sprint("commit=", commit), func(t *testing.T) {
			d := newDB()
			c := newCache(t)
			repo := NewCachedStorer(&store{db: d}, c)
			other := NewCachedStorer(&store{db: d}, c) // another process's wrapper
			bg := context.Background()

			ctx, tx := cache.BeginTx(bg)
			txRepo, err := repo.NewWithTx(nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := txRepo.UpdateBook(ctx, Book{1, "v2"}); err != nil {
				t.Fatal(err)
			}
			// In the transaction, the write is seen, and never cached.
			if got := title(t, txRepo, ctx); got != "v2" {
				t.Fatalf("read in the transaction: %q", got)
			}
			// Elsewhere, meanwhile: the committed data, stored.
			if got := title(t, other, bg); got != "v1" {
				t.Fatalf("read outside the transaction: %q", got)
			}
			d.commit()
			if commit {
				if err := tx.Commit(bg); err != nil {
					t.Fatal(err)
				}
			}
			got := title(t, other, bg)
			switch {
			case commit && got != "v2":
				t.Fatalf("a read after Tx.Commit returned %q, from before the transaction", got)
			case !commit && got != "v1":
				t.Fatalf("without Tx.Commit the entry stored during the transaction should still be served (got %q): the test no longer shows what Commit is for", got)
			}
		})
	}
}

func TestScopedReadsBypass(t *testing.T) {
	d := newDB()
	var events sync.Map
	c := newCache(t, cache.WithObserver(func(_ context.Context, e cache.Event) {
		n, _ := events.LoadOrStore(e.Kind, new(int))
		*n.(*int)++
	}))
	repo := NewCachedStorer(&store{db: d}, c)
	txRepo := repo.WithTx(nil)
	bg := context.Background()
	for range 3 {
		title(t, txRepo, bg)
	}
	if d.loads != 3 {
		t.Fatalf("reads of a transaction-scoped repository: %d loads, want 3 (never cached)", d.loads)
	}
	// Nor did they store anything: the first read of the plain repository misses.
	title(t, repo, bg)
	title(t, repo, bg)
	if d.loads != 4 {
		t.Fatalf("plain reads after the scoped ones: %d loads, want 4", d.loads)
	}
	// A read with a context of BeginTx bypasses too, until Commit.
	ctx, tx := cache.BeginTx(bg)
	title(t, repo, ctx)
	if d.loads != 5 {
		t.Fatalf("a read with a transaction's context: %d loads, want 5", d.loads)
	}
	tx.Rollback()
	title(t, repo, ctx)
	if d.loads != 5 {
		t.Fatalf("a read with the context of a finished transaction: %d loads, want 5 (a hit)", d.loads)
	}
}

func TestScopedWriteWithoutBeginTxWarns(t *testing.T) {
	var logs bytes.Buffer
	c := newCache(t, cache.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	repo := NewCachedStorer(&store{db: newDB()}, c)
	txRepo := repo.WithTx(nil)
	bg := context.Background()
	title(t, repo, bg)
	txRepo.UpdateBook(bg, Book{1, "v2"})
	txRepo.UpdateBook(bg, Book{1, "v3"})
	if n := strings.Count(logs.String(), "without cache.BeginTx"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, logs.String())
	}
}

func TestRewrapKeepsCaching(t *testing.T) {
	d := newDB()
	repo := NewCachedStorer(&store{db: d}, newCache(t))
	logged := repo.WithLogger(slog.Default())
	bg := context.Background()
	title(t, logged, bg)
	title(t, logged, bg)
	if d.loads != 1 {
		t.Fatalf("reads through WithLogger's repository: %d loads, want 1", d.loads)
	}
	// Its writes invalidate the same cache.
	logged.UpdateBook(bg, Book{1, "v2"})
	if got := title(t, repo, bg); got != "v2" {
		t.Fatalf("after a write through WithLogger's repository: %q", got)
	}
}
