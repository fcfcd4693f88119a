package mysqlwrites

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cachegen/cachegen/cache"
	_ "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
)

// testDB returns a database of the test's own, its tables created from
// schema.sql.
func testDB(t *testing.T) *sql.DB {
	t.Helper()
	dsn := os.Getenv("CACHEGEN_MYSQL_DSN")
	if dsn == "" {
		t.Skip("CACHEGEN_MYSQL_DSN is not set: the sqlc MySQL example's test skips (CACHEGEN_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test')")
	}
	name := fmt.Sprintf("advsqlc_%d_%d", os.Getpid(), rand.IntN(1e6))
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
	ddl, err := os.ReadFile("schema.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(ddl)); err != nil {
		t.Fatal(err)
	}
	return db
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
	c := cache.New(cache.NewRedisStore(client), cache.WithPrefix(fmt.Sprintf("cgtest:sqlcmysql:%d:%d", time.Now().UnixNano(), rand.IntN(1e6))))
	t.Cleanup(func() { c.Close() })
	return c
}
