package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cachegen/cachegen/example/books"
	"github.com/go-sql-driver/mysql"
)

// MySQL error numbers that OpenDB acts on.
const (
	errUnknownDatabase = 1049 // ER_BAD_DB_ERROR
)

// Intervals of OpenDB's wait for a server that does not answer.
const (
	pingTimeout = 3 * time.Second
	retryEvery  = time.Second
	logEvery    = 5 * time.Second
)

// OpenDB opens the database named by dsn and checks that it answers. A
// database that does not exist is created. While the server cannot be
// reached (it may still be starting, as under docker compose), OpenDB
// retries for up to wait, logging what it waits for; any other answer of
// the server, such as a wrong password, fails at once.
func OpenDB(ctx context.Context, dsn string, wait time.Duration, logger *slog.Logger) (*sql.DB, error) {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("MYSQL_DSN: %w", err)
	}
	where := fmt.Sprintf("database %q on %s", cfg.DBName, cfg.Addr)
	db, err := books.Open(dsn)
	if err != nil {
		return nil, err
	}
	start, lastLog := time.Now(), time.Time{}
	created := false
	for {
		err := ping(ctx, db)
		var me *mysql.MySQLError
		switch {
		case err == nil:
			return db, nil
		case errors.As(err, &me) && me.Number == errUnknownDatabase && !created && cfg.DBName != "":
			if err := createDatabase(ctx, cfg); err != nil {
				db.Close()
				return nil, fmt.Errorf("%s does not exist, and creating it failed: %w", where, err)
			}
			logger.Info("created the database", "database", cfg.DBName, "addr", cfg.Addr)
			created = true
			continue
		case errors.As(err, &me) || ctx.Err() != nil:
			db.Close()
			return nil, fmt.Errorf("%s: %w", where, err)
		case time.Since(start) >= wait:
			db.Close()
			return nil, fmt.Errorf("%s: no answer after %s: %w", where, time.Since(start).Round(time.Second), err)
		}
		if time.Since(lastLog) >= logEvery {
			logger.Info("waiting for the database server", "addr", cfg.Addr, "database", cfg.DBName,
				"waited", time.Since(start).Round(time.Second), "up to", wait, "err", err)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			db.Close()
			return nil, ctx.Err()
		case <-time.After(retryEvery):
		}
	}
}

func ping(ctx context.Context, db *sql.DB) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	return db.PingContext(ctx)
}

// createDatabase creates the database cfg names, connected without it.
func createDatabase(ctx context.Context, cfg *mysql.Config) error {
	server := *cfg
	server.DBName = ""
	db, err := books.Open(server.FormatDSN())
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS "+quoteIdent(cfg.DBName))
	return err
}

// quoteIdent quotes a MySQL identifier with backticks.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}
