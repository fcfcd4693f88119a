package main

import (
	"io"
	"strings"
	"testing"
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
