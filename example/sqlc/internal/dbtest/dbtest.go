// Package dbtest gives the tests of the sqlc examples their databases and
// caches: a PostgreSQL schema or a MariaDB/MySQL database of the test's own,
// created from the package's schema file, and a cache over
// CACHEGEN_REDIS_URL's Redis (a miniredis without it). Without
// CACHEGEN_POSTGRES_URL or CACHEGEN_MYSQL_DSN a test skips, saying how to
// run it.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cachegen/cachegen/cache"
	_ "github.com/go-sql-driver/mysql" // the driver MySQL opens
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// Postgres returns a pool whose tables live in a PostgreSQL schema of the
// test's own, created from schemaFile.
func Postgres(t testing.TB, schemaFile string) *pgxpool.Pool {
	t.Helper()
	url := os.Getenv("CACHEGEN_POSTGRES_URL")
	if url == "" {
		t.Skip("CACHEGEN_POSTGRES_URL is not set: the sqlc examples' PostgreSQL tests skip (CACHEGEN_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("cachegen_sqlc_%d_%d", os.Getpid(), rand.IntN(1e6))
	admin, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("CACHEGEN_POSTGRES_URL=%s: %v", url, err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), url)
		if err == nil {
			c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.Background())
		}
	})
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	ddl, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, string(ddl)); err != nil {
		t.Fatal(err)
	}
	return pool
}

// MySQL returns a database of the test's own, its tables created from
// schemaFile.
func MySQL(t testing.TB, schemaFile string) *sql.DB {
	t.Helper()
	dsn := os.Getenv("CACHEGEN_MYSQL_DSN")
	if dsn == "" {
		t.Skip("CACHEGEN_MYSQL_DSN is not set: the sqlc examples' MySQL tests skip (CACHEGEN_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test')")
	}
	name := fmt.Sprintf("cachegen_sqlc_%d_%d", os.Getpid(), rand.IntN(1e6))
	admin, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("CACHEGEN_MYSQL_DSN=%s: %v", dsn, err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("CACHEGEN_MYSQL_DSN=%s: %v", dsn, err)
	}
	t.Cleanup(func() {
		if a, err := sql.Open("mysql", dsn); err == nil {
			a.Exec("DROP DATABASE " + name)
			a.Close()
		}
	})
	// The DSN's database, if any, replaced by the test's own.
	base, _, _ := strings.Cut(dsn, "?")
	if i := strings.LastIndex(base, "/"); i >= 0 {
		base = base[:i]
	}
	db, err := sql.Open("mysql", base+"/"+name+"?multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ddl, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(ddl)); err != nil {
		t.Fatal(err)
	}
	return db
}

// Cache returns a cache over CACHEGEN_REDIS_URL's Redis, or a miniredis,
// with a key prefix of the test's own, name and a random part.
func Cache(t testing.TB, name string) *cache.Cache {
	t.Helper()
	var client *redis.Client
	if u := os.Getenv("CACHEGEN_REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		client = redis.NewClient(opts)
	} else {
		client = redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	}
	t.Cleanup(func() { client.Close() })
	c := cache.New(cache.NewRedisStore(client), cache.WithPrefix(fmt.Sprintf("cgtest:%s:%d:%d", name, time.Now().UnixNano(), rand.IntN(1e6))))
	t.Cleanup(func() { c.Close() })
	return c
}
