// Booksapi serves the example books API over MariaDB/MySQL, with its reads
// cached in Redis by the wrapper cachegen generated.
//
// Usage:
//
//	booksapi [-addr :8080] [-mysql-dsn DSN] [-redis-url URL] [-no-cache]
//
// The flags default to the environment variables ADDR, MYSQL_DSN and
// REDIS_URL, then to a local MariaDB and Redis.
package main

import (
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/cachegen/cachegen/example/server"
)

func main() {
	if err := run(); err != nil {
		slog.Error("booksapi", "err", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run() error {
	addr := flag.String("addr", env("ADDR", ":8080"), "listen address (ADDR)")
	dsn := flag.String("mysql-dsn", env("MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"), "MariaDB/MySQL DSN (MYSQL_DSN)")
	redisURL := flag.String("redis-url", env("REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL, redis:// or rediss:// (REDIS_URL)")
	noCache := flag.Bool("no-cache", false, "serve from the database only")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	app, err := server.Open(ctx, server.Config{MySQLDSN: *dsn, RedisURL: *redisURL, NoCache: *noCache, WaitDB: time.Minute})
	if err != nil {
		return err
	}
	defer app.Close()

	srv := &http.Server{Addr: *addr, Handler: app.Server, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	slog.Info("booksapi listening", "addr", *addr, "cache", !*noCache)

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
