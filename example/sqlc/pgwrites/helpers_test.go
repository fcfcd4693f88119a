package pgwrites

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cachegen/cachegen/cache"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
)

// testDB returns a pool whose tables live in a PostgreSQL schema of the
// test's own, created from schema.sql.
func testDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	url := os.Getenv("CACHEGEN_POSTGRES_URL")
	if url == "" {
		t.Skip("CACHEGEN_POSTGRES_URL is not set: the sqlc PostgreSQL example's test skips (CACHEGEN_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("advsqlc_%d_%d", os.Getpid(), rand.IntN(1e6))
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
	ddl, err := os.ReadFile("schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, string(ddl)); err != nil {
		t.Fatal(err)
	}
	return pool
}

// testCache returns a cache over CACHEGEN_REDIS_URL's Redis, or a
// miniredis, with a key prefix of the test's own.
func testCache(t *testing.T) *cache.Cache {
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
	c := cache.New(cache.NewRedisStore(client), cache.WithPrefix(fmt.Sprintf("cgtest:sqlcpg:%d:%d", time.Now().UnixNano(), rand.IntN(1e6))))
	t.Cleanup(func() { c.Close() })
	return c
}
