package main

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/example/books"
	"github.com/cachegen/cachegen/example/server"
	"github.com/go-sql-driver/mysql"
)

// TestMixedScenario runs the mixed scenario briefly on a database of its
// own: with no writes both columns replay the same reads and hit alike;
// with writes, the per-book namespaces keep more hits than the baseline.
func TestMixedScenario(t *testing.T) {
	dsn := os.Getenv("CACHEGEN_MYSQL_DSN")
	if dsn == "" {
		t.Skip("needs MariaDB or MySQL: set CACHEGEN_MYSQL_DSN")
	}
	my, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	my.DBName = fmt.Sprintf("cgtest_seedtable_%d_%d", time.Now().UnixNano()%1e9, rand.IntN(1e6))
	t.Cleanup(func() {
		db, err := books.Open(dsn)
		if err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + my.DBName)
			db.Close()
		}
	})
	redisURL := os.Getenv("CACHEGEN_REDIS_URL")
	if redisURL == "" {
		redisURL = "redis://" + miniredis.RunT(t).Addr()
	}
	prefix := fmt.Sprintf("cgtest:%s:%d", t.Name(), time.Now().UnixNano())
	cfg := server.Config{MySQLDSN: my.FormatDSN(), RedisURL: redisURL, Prefix: prefix, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	const n = 2000
	perBook, err := hitRates(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Prefix += ":whole"
	cfg.Wrap = func(next books.Repository, c *cache.Cache) books.Repository { return NewCachedWholeNamespace(next, c) }
	whole, err := hitRates(cfg, n)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("writes %v: whole namespace %.3f, per book %.3f", writeShares, whole, perBook)
	if whole[0] != perBook[0] || perBook[0] < 0.5 {
		t.Errorf("no writes: hit rates %.3f (whole) and %.3f (per book); want the same, above 0.5", whole[0], perBook[0])
	}
	for i := 1; i < len(writeShares); i++ {
		if perBook[i] <= whole[i] || perBook[i] > perBook[0] {
			t.Errorf("%g%% writes: per book %.3f, whole %.3f, no writes %.3f; want whole < per book <= no writes", writeShares[i]*100, perBook[i], whole[i], perBook[0])
		}
	}
}
