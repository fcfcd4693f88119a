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
	const n = 1000
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
	t.Logf("writes %v: whole namespace %v, per book %v", writeShares, whole, perBook)
	// Without writes the columns differ only by reads that bypassed the
	// cache (Redis slow on a loaded machine).
	if whole[0].bypassed+perBook[0].bypassed == 0 && whole[0].rate != perBook[0].rate || perBook[0].rate < 0.5 {
		t.Errorf("no writes: hit rates %s (whole) and %s (per book); want the same, above 0.5", whole[0], perBook[0])
	}
	for i := 1; i < len(writeShares); i++ {
		if perBook[i].rate <= whole[i].rate || perBook[i].rate > perBook[0].rate {
			t.Errorf("%g%% writes: per book %s, whole %s, no writes %s; want whole < per book <= no writes", writeShares[i]*100, perBook[i], whole[i], perBook[0])
		}
	}
}
