// Seedtable reproduces the fastapi-cache2 tutorial's table with the example
// books API: it starts the API twice against the running MariaDB/MySQL and
// Redis, once without the cache and once with it, replays the tutorial's
// requests over real HTTP on loopback, and prints both columns side by side
// as a Markdown table.
//
// Then it replays a mixed scenario, Zipf-distributed reads of single books
// with a share of writes, against the API with its per-book namespaces and
// against the same API annotated with one namespace for every book (see
// WholeNamespace), and prints the hit rates side by side.
//
// Usage:
//
//	cd example && go run ./cmd/seedtable [-mysql-dsn DSN] [-redis-url URL] [-n 2000] [-mixed 20000]
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/example/books"
	"github.com/cachegen/cachegen/example/server"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	dsn := flag.String("mysql-dsn", env("MYSQL_DSN", "root@tcp(127.0.0.1:3306)/cachegen_seedtable"), "MariaDB/MySQL DSN; the database is created and seeded if missing (MYSQL_DSN)")
	redisURL := flag.String("redis-url", env("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (REDIS_URL)")
	n := flag.Int("n", 2000, "requests per latency row")
	mixed := flag.Int("mixed", 20000, "requests per row of the mixed read/write scenario; 0 skips it")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "seedtable: unexpected argument %q: seedtable takes flags only\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*dsn, *redisURL, *n, *mixed); err != nil {
		fmt.Fprintln(os.Stderr, "seedtable:", err)
		os.Exit(1)
	}
}

// column is one run of the scenarios, with or without the cache.
type column struct {
	first, second time.Duration // GET /books
	xFirst        string        // X-Cache of the first and second requests
	xSecond       string
	categories100 time.Duration
	latency       map[string][]time.Duration // sorted, per path
}

// latencyPaths are replayed n times each for p50 and p99.
var latencyPaths = []string{"/books", "/books/42", "/categories", "/search?q=Shadow"}

func run(dsn, redisURL string, n, mixed int) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := server.Config{MySQLDSN: dsn, RedisURL: redisURL, Prefix: "seedtable", Logger: quiet}
	var cols [2]column
	for i, noCache := range []bool{true, false} {
		cfg := cfg
		cfg.NoCache = noCache
		c, err := measure(cfg, n)
		if err != nil {
			return err
		}
		cols[i] = c
	}
	print(os.Stdout, cols, n)
	if mixed == 0 {
		return nil
	}
	perBook, err := hitRates(cfg, mixed)
	if err != nil {
		return err
	}
	cfg.Prefix = "seedtable-whole"
	cfg.Wrap = func(next books.Repository, c *cache.Cache) books.Repository { return NewCachedWholeNamespace(next, c) }
	whole, err := hitRates(cfg, mixed)
	if err != nil {
		return err
	}
	printMixed(os.Stdout, whole, perBook, mixed)
	return nil
}

func measure(cfg server.Config, n int) (column, error) {
	a, err := startAPI(cfg)
	if err != nil {
		return column{}, err
	}
	defer a.close()
	if err := a.cold(); err != nil {
		return column{}, err
	}
	get := a.get
	// Open a connection first, so the first request measures the API and
	// not the TCP handshake.
	if _, _, err := get("/healthz"); err != nil {
		return column{}, err
	}

	var c column
	if c.first, c.xFirst, err = get("/books"); err != nil {
		return c, err
	}
	if c.second, c.xSecond, err = get("/books"); err != nil {
		return c, err
	}
	start := time.Now()
	for range 100 {
		if _, _, err := get("/categories"); err != nil {
			return c, err
		}
	}
	c.categories100 = time.Since(start)

	c.latency = map[string][]time.Duration{}
	for _, p := range latencyPaths {
		ds := make([]time.Duration, n)
		for i := range ds {
			if ds[i], _, err = get(p); err != nil {
				return c, err
			}
		}
		slices.Sort(ds)
		c.latency[p] = ds
	}
	return c, nil
}

func pct(ds []time.Duration, p float64) time.Duration {
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func ratio(a, b time.Duration) string { return fmt.Sprintf("%.1fx", float64(a)/float64(b)) }

func print(w io.Writer, cols [2]column, n int) {
	plain, cached := cols[0], cols[1]
	fmt.Fprintf(w, "Go %s, %s/%s, %d CPUs; API, client, MariaDB and Redis on one machine over loopback.\n\n", strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintln(w, "| scenario | no cache | cachegen | speed-up |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	fmt.Fprintf(w, "| GET /books, first request | %s | %s (%s) | %s |\n", ms(plain.first), ms(cached.first), cached.xFirst, ratio(plain.first, cached.first))
	fmt.Fprintf(w, "| GET /books, second request | %s | %s (%s) | %s |\n", ms(plain.second), ms(cached.second), cached.xSecond, ratio(plain.second, cached.second))
	fmt.Fprintf(w, "| GET /categories x 100, total | %s | %s | %s |\n", ms(plain.categories100), ms(cached.categories100), ratio(plain.categories100, cached.categories100))
	for _, p := range latencyPaths {
		a, b := plain.latency[p], cached.latency[p]
		fmt.Fprintf(w, "| GET %s, p50 over %d | %s | %s | %s |\n", p, n, ms(pct(a, 0.5)), ms(pct(b, 0.5)), ratio(pct(a, 0.5), pct(b, 0.5)))
		fmt.Fprintf(w, "| GET %s, p99 over %d | %s | %s | %s |\n", p, n, ms(pct(a, 0.99)), ms(pct(b, 0.99)), ratio(pct(a, 0.99), pct(b, 0.99)))
	}
}
