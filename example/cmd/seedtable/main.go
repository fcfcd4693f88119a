// Seedtable reproduces the fastapi-cache2 tutorial's table with the example
// books API: it starts the API three times against the running MariaDB/MySQL
// and Redis, without the cache, with it and with the near cache too, replays
// the tutorial's requests over real HTTP on loopback, and prints the columns
// side by side with the seed's as a Markdown table.
//
// The seed's database is far away; ours is on loopback. With -db-latency,
// the tutorial's three rows reach the database through a TCP proxy of
// seedtable's own that holds every packet for half that round trip each way
// (delayproxy.go), so that they compare like with like; the percentile rows
// and the mixed scenario measure the cache itself, with the database over
// loopback.
//
// Then it replays a mixed scenario, Zipf-distributed reads of single books
// with a share of writes, against the API with its per-book namespaces and
// against the same API annotated with one namespace for every book (see
// WholeNamespace), and prints the hit rates side by side.
//
// The defaults are the ports that example/docker-compose.yml publishes.
//
// Usage:
//
//	cd example && go run ./cmd/seedtable [-mysql-dsn DSN] [-redis-url URL] [-db-latency 80ms] [-n 2000] [-mixed 20000]
package main

import (
	"context"
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
	"github.com/go-sql-driver/mysql"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// The defaults: the database and the ports that example/docker-compose.yml
// publishes (TestDefaultsMatchCompose keeps them so).
const (
	defaultDSN      = "root@tcp(127.0.0.1:13306)/booksapi"
	defaultRedisURL = "redis://127.0.0.1:16379/0"
)

func main() {
	dsn := flag.String("mysql-dsn", env("MYSQL_DSN", defaultDSN), "MariaDB/MySQL DSN; the database is created and seeded if missing (MYSQL_DSN)")
	redisURL := flag.String("redis-url", env("REDIS_URL", defaultRedisURL), "Redis URL (REDIS_URL)")
	latency := flag.Duration("db-latency", 0, "round trip added to the database for the tutorial's rows, through a delay proxy (the seed's database was about 80ms away)")
	n := flag.Int("n", 2000, "requests per percentile row; 0 skips them")
	mixed := flag.Int("mixed", 20000, "requests per row of the mixed read/write scenario; 0 skips it")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "seedtable: unexpected argument %q: seedtable takes flags only\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(*dsn, *redisURL, *latency, *n, *mixed); err != nil {
		fmt.Fprintln(os.Stderr, "seedtable:", err)
		os.Exit(1)
	}
}

// column is one configuration of the API: no cache, cachegen, or cachegen
// with the near cache.
type column struct {
	name    string
	noCache bool
	opts    []cache.Option
}

// columns are the configurations measured side by side.
var columns = []column{
	{name: "no cache", noCache: true},
	{name: "cachegen"},
	{name: "cachegen, near cache", opts: []cache.Option{cache.WithNearCache(cache.NearCache{Tracked: true})}},
}

// seedRows are one column's figures of the tutorial's three rows.
type seedRows struct {
	first, repeated time.Duration // GET /books
	xFirst          string        // X-Cache of the first and repeated requests
	xRepeated       string
	categories100   time.Duration
}

// latencyPaths are replayed n times each for p50 and p99.
var latencyPaths = []string{"/books", "/books/42", "/categories", "/search?q=Shadow"}

func run(dsn, redisURL string, latency time.Duration, n, mixed int) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	base := server.Config{MySQLDSN: dsn, RedisURL: redisURL, Prefix: "seedtable", Logger: quiet}
	// Create and seed the database directly, not through the proxy: the
	// seeding makes thousands of round trips.
	app, err := server.Open(context.Background(), server.Config{MySQLDSN: dsn, NoCache: true, Logger: quiet})
	if err != nil {
		return err
	}
	app.Close()

	far := base
	if latency > 0 {
		my, err := mysql.ParseDSN(dsn)
		if err != nil {
			return fmt.Errorf("MYSQL_DSN: %w", err)
		}
		if my.Net != "tcp" {
			return fmt.Errorf("-db-latency needs a TCP DSN, not %s", my.Net)
		}
		proxy, err := startDelayProxy(my.Addr, latency)
		if err != nil {
			return err
		}
		defer proxy.Close()
		my.Addr = proxy.Addr()
		far.MySQLDSN = my.FormatDSN()
	}

	seeds := make([]seedRows, len(columns))
	lats := make([]map[string][]time.Duration, len(columns))
	for i, col := range columns {
		if seeds[i], err = measureSeed(col.config(far), n); err != nil {
			return err
		}
		if n > 0 {
			if lats[i], err = measureLatency(col.config(base), n); err != nil {
				return err
			}
		}
	}
	printHeader(os.Stdout)
	printSeed(os.Stdout, seeds, latency)
	if n > 0 {
		printLatency(os.Stdout, lats, n)
	}
	if mixed == 0 {
		return nil
	}
	perBook, err := hitRates(base, mixed)
	if err != nil {
		return err
	}
	base.Prefix = "seedtable-whole"
	base.Wrap = func(next books.Repository, c *cache.Cache) books.Repository { return NewCachedWholeNamespace(next, c) }
	whole, err := hitRates(base, mixed)
	if err != nil {
		return err
	}
	printMixed(os.Stdout, whole, perBook, mixed)
	return nil
}

// config returns cfg set up for the column.
func (c column) config(cfg server.Config) server.Config {
	cfg.NoCache = c.noCache
	cfg.CacheOptions = c.opts
	return cfg
}

// warmups are the requests each column's API serves before the tutorial's
// rows, its cache emptied after them: the database's connections are open
// and its pages read, the code paths run, in every column alike, so that
// the first request differs between the columns only by what the cache does.
var warmups = []string{"/healthz", "/books", "/books", "/categories", "/categories"}

// measureSeed starts the API of cfg and measures the tutorial's three rows:
// GET /books twice, then GET /categories 100 times.
func measureSeed(cfg server.Config, n int) (seedRows, error) {
	var s seedRows
	a, err := startAPI(cfg)
	if err != nil {
		return s, err
	}
	defer a.close()
	for _, p := range warmups {
		if _, _, err := a.get(p); err != nil {
			return s, err
		}
	}
	if err := a.cold(); err != nil {
		return s, err
	}
	if s.first, s.xFirst, err = a.get("/books"); err != nil {
		return s, err
	}
	if s.repeated, s.xRepeated, err = a.get("/books"); err != nil {
		return s, err
	}
	start := time.Now()
	for range 100 {
		if _, _, err := a.get("/categories"); err != nil {
			return s, err
		}
	}
	s.categories100 = time.Since(start)
	return s, nil
}

// measureLatency starts the API of cfg and replays each of latencyPaths n
// times, from a cold cache; it returns the sorted durations per path.
func measureLatency(cfg server.Config, n int) (map[string][]time.Duration, error) {
	a, err := startAPI(cfg)
	if err != nil {
		return nil, err
	}
	defer a.close()
	if _, _, err := a.get("/healthz"); err != nil {
		return nil, err
	}
	if err := a.cold(); err != nil {
		return nil, err
	}
	lat := map[string][]time.Duration{}
	for _, p := range latencyPaths {
		ds := make([]time.Duration, n)
		for i := range ds {
			if ds[i], _, err = a.get(p); err != nil {
				return nil, err
			}
		}
		slices.Sort(ds)
		lat[p] = ds
	}
	return lat, nil
}

func pct(ds []time.Duration, p float64) time.Duration {
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }

func ratio(a, b time.Duration) string { return fmt.Sprintf("%.1fx", float64(a)/float64(b)) }

// printHeader says where the figures come from.
func printHeader(w io.Writer) {
	fmt.Fprintf(w, "Go %s, %s/%s, %d CPUs; API, client, MariaDB and Redis on one machine over loopback.\n", strings.TrimPrefix(runtime.Version(), "go"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}

// The seed's table, as the seed states it: about 80 ms a request from the
// database and about 2 ms from Redis; its first request with Redis is a
// miss, which goes to the database, and its 100 requests from Redis are
// 100 of about 2 ms.
var seedCells = [3][2]string{
	{"~80 ms", "~80 ms (MISS)"},
	{"~80 ms", "~2 ms (HIT)"},
	{"~8,000 ms", "~200 ms"},
}

// printSeed prints the tutorial's three rows, the seed's columns beside
// ours.
func printSeed(w io.Writer, seeds []seedRows, latency time.Duration) {
	fmt.Fprintf(w, "\n### The seed's table\n\n")
	if latency > 0 {
		fmt.Fprintf(w, "The database %s away (round trip): the API reaches MariaDB through seedtable's delay proxy, which holds\n", latency)
		fmt.Fprintf(w, "every packet %s each way (`-db-latency %s`); Redis over loopback. ", latency/2, latency)
	} else {
		fmt.Fprintf(w, "The database over loopback (`-db-latency` not set); Redis over loopback. ")
	}
	fmt.Fprintf(w, "Before the rows, each column's API\nserves %s, then its cache is emptied: every column starts with open database connections\n", strings.Join(warmups, ", "))
	fmt.Fprintf(w, "and warm database pages, and its first request is its first from the cache. The near cache is tracked\n")
	fmt.Fprintf(w, "(`cache.NearCache{Tracked: true}`). The seed's columns: about 80 ms a request from its database, about 2 ms\n")
	fmt.Fprintf(w, "from Redis; its first request with Redis is a miss, and its 100 from Redis 100 of about 2 ms.\n\n")
	fmt.Fprint(w, "| scenario | seed: no cache | seed: Redis |")
	for _, c := range columns {
		fmt.Fprintf(w, " %s |", c.name)
	}
	fmt.Fprint(w, "\n|---|---:|---:|")
	for range columns {
		fmt.Fprint(w, "---:|")
	}
	fmt.Fprintln(w)
	rows := []struct {
		name string
		cell func(seedRows) string
	}{
		{"GET /books, first request", func(s seedRows) string { return withCache(ms(s.first), s.xFirst) }},
		{"GET /books, repeated request", func(s seedRows) string { return withCache(ms(s.repeated), s.xRepeated) }},
		{"GET /categories x 100, total", func(s seedRows) string { return ms(s.categories100) }},
	}
	for i, r := range rows {
		fmt.Fprintf(w, "| %s | %s | %s |", r.name, seedCells[i][0], seedCells[i][1])
		for _, s := range seeds {
			fmt.Fprintf(w, " %s |", r.cell(s))
		}
		fmt.Fprintln(w)
	}
}

// withCache appends the X-Cache header, when there is one, to a cell.
func withCache(cell, x string) string {
	if x == "" {
		return cell
	}
	return cell + " (" + x + ")"
}

// printLatency prints p50 and p99 of each of latencyPaths, per column, with
// the speed-ups over the first column.
func printLatency(w io.Writer, lats []map[string][]time.Duration, n int) {
	fmt.Fprintf(w, "\n### Latency, the database over loopback\n\n")
	fmt.Fprintf(w, "Each path %d times in a row, from a cold cache, per column; the speed-up is over no cache.\n\n", n)
	fmt.Fprint(w, "| request |")
	for i, c := range columns {
		fmt.Fprintf(w, " %s |", c.name)
		if i > 0 {
			fmt.Fprint(w, " speed-up |")
		}
	}
	fmt.Fprint(w, "\n|---|")
	for i := range columns {
		fmt.Fprint(w, "---:|")
		if i > 0 {
			fmt.Fprint(w, "---:|")
		}
	}
	fmt.Fprintln(w)
	for _, p := range latencyPaths {
		for _, q := range []struct {
			name string
			p    float64
		}{{"p50", 0.5}, {"p99", 0.99}} {
			fmt.Fprintf(w, "| GET %s, %s over %d |", p, q.name, n)
			plain := pct(lats[0][p], q.p)
			for i := range columns {
				d := pct(lats[i][p], q.p)
				fmt.Fprintf(w, " %s |", ms(d))
				if i > 0 {
					fmt.Fprintf(w, " %s |", ratio(plain, d))
				}
			}
			fmt.Fprintln(w)
		}
	}
}
