package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/example/books"
	"github.com/go-sql-driver/mysql"
)

// serverDSN returns CACHEGEN_MYSQL_DSN parsed, or skips.
func serverDSN(t *testing.T) *mysql.Config {
	t.Helper()
	dsn := os.Getenv("CACHEGEN_MYSQL_DSN")
	if dsn == "" {
		t.Skip("needs MariaDB or MySQL: set CACHEGEN_MYSQL_DSN, as CACHEGEN_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test' go test ./... in example/ (.ci/run does)")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("CACHEGEN_MYSQL_DSN: %v", err)
	}
	return cfg
}

// TestOpenDBCreatesMissingDatabase: a DSN naming a database that does not
// exist yet gets it created, promptly, and says so in the log.
func TestOpenDBCreatesMissingDatabase(t *testing.T) {
	cfg := serverDSN(t)
	cfg.DBName = fmt.Sprintf("cgtest_new_%d_%d", time.Now().UnixNano()%1e9, rand.IntN(1e6))
	t.Cleanup(func() {
		if db, err := books.Open(cfg.FormatDSN()); err == nil {
			db.Exec("DROP DATABASE IF EXISTS " + cfg.DBName)
			db.Close()
		}
	})
	var log bytes.Buffer
	start := time.Now()
	db, err := OpenDB(context.Background(), cfg.FormatDSN(), time.Minute, slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatalf("OpenDB of a missing database: %v", err)
	}
	defer db.Close()
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("OpenDB took %s to create the database", d)
	}
	var name string
	if err := db.QueryRow("SELECT DATABASE()").Scan(&name); err != nil || name != cfg.DBName {
		t.Fatalf("connected to %q (%v), want %q", name, err, cfg.DBName)
	}
	if !strings.Contains(log.String(), "created the database") {
		t.Errorf("log does not say the database was created:\n%s", log.String())
	}
}

// TestOpenDBWrongPasswordFailsAtOnce: the server answers, with an access
// error, so there is nothing to wait for, whatever the wait allowed.
func TestOpenDBWrongPasswordFailsAtOnce(t *testing.T) {
	cfg := serverDSN(t)
	cfg.Passwd = "cachegen-wrong-password"
	start := time.Now()
	db, err := OpenDB(context.Background(), cfg.FormatDSN(), time.Minute, slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)))
	if err == nil {
		db.Close()
		t.Fatal("OpenDB with a wrong password succeeded")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("OpenDB took %s to fail on a wrong password (the wait allowed a minute)", d)
	}
	if !strings.Contains(err.Error(), "Access denied") {
		t.Errorf("error %q does not carry the server's answer", err)
	}
}

// TestOpenDBLogsWhileWaiting: a server that does not answer is waited for,
// for the time allowed, and the log says what is awaited.
func TestOpenDBLogsWhileWaiting(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	var log bytes.Buffer
	start := time.Now()
	db, err := OpenDB(context.Background(), "root@tcp("+addr+")/books", 1500*time.Millisecond, slog.New(slog.NewTextHandler(&log, nil)))
	if err == nil {
		db.Close()
		t.Fatal("OpenDB succeeded with no server")
	}
	if d := time.Since(start); d < 1500*time.Millisecond || d > 15*time.Second {
		t.Errorf("OpenDB gave up after %s; want the 1.5s allowed", d)
	}
	if s := log.String(); !strings.Contains(s, "waiting for the database server") || !strings.Contains(s, addr) {
		t.Errorf("log does not say what it waits for:\n%s", s)
	}
	if !strings.Contains(err.Error(), "no answer after") || !strings.Contains(err.Error(), addr) {
		t.Errorf("error %q does not say what did not answer", err)
	}
}
