package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		args    []string
		env     map[string]string
		addr    string // want, when err is ""
		err     string // a part of the error
		maxAge  bool
		noCache bool
	}{
		{args: nil, addr: ":8080"},
		{args: []string{"-addr", "127.0.0.1:9000", "-max-age"}, addr: "127.0.0.1:9000", maxAge: true},
		{args: []string{"-no-cache"}, env: map[string]string{"ADDR": "localhost:8081"}, addr: "localhost:8081", noCache: true},
		{args: []string{":8080"}, err: `unexpected argument ":8080"`},
		{args: []string{"-no-cache", "extra"}, err: `unexpected argument "extra"`},
		{args: []string{"-addr", "8080"}, err: `-addr "8080": want host:port`},
		{args: []string{"-addr", ":99999"}, err: "port must be a number"},
		{args: []string{"-addr", ":http"}, err: "port must be a number"},
		{env: map[string]string{"ADDR": "nonsense"}, err: `-addr "nonsense"`},
		{args: []string{"-nope"}, err: "flag provided but not defined"},
	} {
		o, err := parseFlags(c.args, func(k string) string { return c.env[k] }, io.Discard)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one saying %q", c.args, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.args, err)
		case c.err == "" && (o.addr != c.addr || o.maxAge != c.maxAge || o.noCache != c.noCache):
			t.Errorf("%q: got %+v", c.args, o)
		}
	}
}

func TestDefaultDatabaseIsNotTest(t *testing.T) {
	o, err := parseFlags(nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(o.dsn, "/booksapi") {
		t.Errorf("default DSN %q: want the booksapi database, not one users already have", o.dsn)
	}
}

// TestHealthcheck runs the container healthcheck against servers that
// answer 200, 503 and nothing.
func TestHealthcheck(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if err := healthcheck(":"+port, 5*time.Second); err != nil {
		t.Errorf("a server answering 200: %v", err)
	}
	status = http.StatusServiceUnavailable
	if err := healthcheck(":"+port, 5*time.Second); err == nil {
		t.Error("a server answering 503 passed the healthcheck")
	}
	srv.Close()
	if err := healthcheck(":"+port, 5*time.Second); err == nil {
		t.Error("no server passed the healthcheck")
	}
	o, err := parseFlags([]string{"-healthcheck", "-addr", ":9090"}, func(string) string { return "" }, io.Discard)
	if err != nil || !o.healthcheck || o.addr != ":9090" {
		t.Errorf("-healthcheck -addr :9090: %+v, %v", o, err)
	}
}
