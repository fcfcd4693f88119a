// Booksapi serves the example books API over MariaDB/MySQL, with its reads
// cached in Redis by the wrapper cachegen generated.
//
// Usage:
//
//	booksapi [-addr :8080] [-mysql-dsn DSN] [-redis-url URL] [-no-cache] [-max-age] [-metrics]
//	booksapi -healthcheck [-addr :8080]
//
// The flags default to the environment variables ADDR, MYSQL_DSN and
// REDIS_URL, then to a local MariaDB (database booksapi, created if missing)
// and Redis. It takes no arguments besides flags. With -healthcheck it
// serves nothing: it asks the server at -addr for GET /healthz and exits 0
// when it answers 200 (the image has no shell nor curl; docker-compose.yml's
// healthcheck runs it).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/cachegen/cachegen/example/server"
)

func main() {
	opts, err := parseFlags(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "booksapi:", err)
		os.Exit(2)
	}
	if opts.healthcheck {
		if err := healthcheck(opts.addr, 3*time.Second); err != nil {
			fmt.Fprintln(os.Stderr, "booksapi: healthcheck:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(opts); err != nil {
		slog.Error("booksapi", "err", err)
		os.Exit(1)
	}
}

// options are booksapi's settings.
type options struct {
	addr     string
	dsn      string
	redisURL string
	noCache  bool
	maxAge   bool
	metrics  bool

	healthcheck bool
}

// parseFlags reads the flags in args, with defaults from getenv, and
// rejects positional arguments and a listen address that is not host:port.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	var o options
	fs := flag.NewFlagSet("booksapi", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", env("ADDR", ":8080"), "listen address, host:port or :port (ADDR)")
	fs.StringVar(&o.dsn, "mysql-dsn", env("MYSQL_DSN", "root@tcp(127.0.0.1:3306)/booksapi"), "MariaDB/MySQL DSN; the database is created if missing (MYSQL_DSN)")
	fs.StringVar(&o.redisURL, "redis-url", env("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL, redis:// or rediss:// (REDIS_URL)")
	fs.BoolVar(&o.noCache, "no-cache", false, "serve from the database only")
	fs.BoolVar(&o.maxAge, "max-age", false, "send Cache-Control: max-age=<TTL> on cached reads instead of no-cache;\n"+
		"browsers and CDNs may then serve a response for up to the TTL after a write replaced it")
	fs.BoolVar(&o.metrics, "metrics", false, "serve the cache's metrics for Prometheus at GET /metrics (through otelcache)")
	fs.BoolVar(&o.healthcheck, "healthcheck", false, "serve nothing: GET /healthz of the server at -addr, exit 0 when it answers 200, else 1")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected argument %q: booksapi takes flags only (for a listen address, -addr %s)", fs.Arg(0), fs.Arg(0))
	}
	if err := checkAddr(o.addr); err != nil {
		return options{}, err
	}
	return o, nil
}

// checkAddr reports whether addr is a TCP listen address: host:port or
// :port, with a numeric port.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: want host:port or :port, as :8080", addr)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("-addr %q: the port must be a number from 0 to 65535", addr)
	}
	return nil
}

// healthcheck asks the server listening at addr (host:port, or :port on
// this machine) for GET /healthz, and fails unless it answers 200 within
// timeout.
func healthcheck(addr string, timeout time.Duration) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	client := &http.Client{Timeout: timeout}
	res, err := client.Get("http://" + net.JoinHostPort(host, port) + "/healthz")
	if err != nil {
		return err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /healthz: %s", res.Status)
	}
	return nil
}

func run(o options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app, err := server.Open(ctx, server.Config{MySQLDSN: o.dsn, RedisURL: o.redisURL, NoCache: o.noCache, MaxAge: o.maxAge, Metrics: o.metrics, WaitDB: time.Minute})
	if err != nil {
		return err
	}
	defer app.Close()

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: app.Server, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	slog.Info("booksapi listening", "addr", ln.Addr().String(), "cache", !o.noCache, "max-age", o.maxAge)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
