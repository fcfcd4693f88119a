package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/cachegen/cachegen/example/server"
)

// api is the example API served on loopback for one column of a scenario,
// and a client of it.
type api struct {
	app    *server.App
	srv    *http.Server
	base   string
	client *http.Client
}

// startAPI opens the application of cfg and serves it on a free loopback
// port.
func startAPI(cfg server.Config) (*api, error) {
	app, err := server.Open(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		app.Close()
		return nil, err
	}
	a := &api{
		app:    app,
		srv:    &http.Server{Handler: app.Server},
		base:   "http://" + ln.Addr().String(),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}},
	}
	go a.srv.Serve(ln)
	return a, nil
}

func (a *api) close() {
	a.srv.Close()
	a.app.Close()
}

// cold invalidates every namespace of the example's annotations, so that
// the column starts with a cold cache, as the tutorial's first request does.
func (a *api) cold() error {
	if a.app.Cache == nil {
		return nil
	}
	if err := a.app.Cache.Invalidate(context.Background(), "book", "books", "categories"); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// do sends a request with a JSON body (none when body is "") and reads the
// whole response; it fails on any status but want.
func (a *api) do(method, path, body string, want int) (time.Duration, string, error) {
	req, err := http.NewRequest(method, a.base+path, strings.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	res, err := a.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	d := time.Since(start)
	if err == nil && res.StatusCode != want {
		err = fmt.Errorf("%s %s: %s", method, path, res.Status)
	}
	return d, res.Header.Get("X-Cache"), err
}

// get GETs path, which must answer 200, and returns how long it took and
// its X-Cache.
func (a *api) get(path string) (time.Duration, string, error) {
	return a.do("GET", path, "", http.StatusOK)
}

// getJSON GETs path, which must answer 200, and decodes its body into v.
func (a *api) getJSON(path string, v any) error {
	res, err := a.client.Get(a.base + path)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", path, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}
