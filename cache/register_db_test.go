package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// registerDB is the database the processes of
// TestRegularRegisterAcrossProcesses share, served over HTTP by the parent
// process. It is linearizable: every read and write takes one lock, and its
// effect is that of the instant it held it. Reads are slow (up to 1ms after
// the value was read), so that writes land while reads are in flight and
// the entries they fill race with invalidations.
type registerDB struct {
	mu    sync.Mutex
	items map[int]string // absent: not found
	procs int            // processes the start barrier waits for
	ready int
	start chan struct{} // closed when every process is ready
}

// startRegisterDB serves a database for procs processes; it returns its URL.
func startRegisterDB(t *testing.T, procs int) string {
	db := &registerDB{items: map[int]string{}, procs: procs, start: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/read", db.read)
	mux.HandleFunc("/write", db.write)
	mux.HandleFunc("/reindex", db.reindex)
	mux.HandleFunc("/start", db.await)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

func (db *registerDB) read(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.FormValue("id"))
	db.mu.Lock()
	v, ok := db.items[id]
	db.mu.Unlock()
	time.Sleep(time.Duration(rand.Int64N(int64(time.Millisecond))))
	if !ok {
		http.NotFound(w, r)
		return
	}
	io.WriteString(w, v)
}

// write sets item id to v, or deletes it when v is empty.
func (db *registerDB) write(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.FormValue("id"))
	v := r.FormValue("v")
	db.mu.Lock()
	defer db.mu.Unlock()
	if v == "" {
		delete(db.items, id)
		return
	}
	db.items[id] = v
}

// reindex sets every present item to v at once and returns their ids.
func (db *registerDB) reindex(w http.ResponseWriter, r *http.Request) {
	v := r.FormValue("v")
	db.mu.Lock()
	ids := []int{}
	for id := range db.items {
		db.items[id] = v
		ids = append(ids, id)
	}
	db.mu.Unlock()
	json.NewEncoder(w).Encode(ids)
}

// await returns when every process has called it, or after 10s.
func (db *registerDB) await(w http.ResponseWriter, r *http.Request) {
	db.mu.Lock()
	if db.ready++; db.ready == db.procs {
		close(db.start)
	}
	db.mu.Unlock()
	select {
	case <-db.start:
	case <-time.After(10 * time.Second):
		http.Error(w, "the other processes did not come", http.StatusGatewayTimeout)
	}
}

// registerDBClient is a process's connection to a registerDB.
type registerDBClient struct {
	base   string
	client *http.Client
}

func newRegisterDBClient(base string) *registerDBClient {
	return &registerDBClient{base: base, client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 16},
		Timeout:   10 * time.Second,
	}}
}

// call posts form to path and returns the body; found is false on a 404.
func (c *registerDBClient) call(ctx context.Context, path string, form url.Values) (body string, found bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path+"?"+form.Encode(), nil)
	if err != nil {
		return "", false, err
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	switch {
	case err != nil:
		return "", false, err
	case resp.StatusCode == http.StatusNotFound:
		return "", false, nil
	case resp.StatusCode != http.StatusOK:
		return "", false, fmt.Errorf("%s: %s: %s", path, resp.Status, b)
	}
	return string(b), true, nil
}

// item reads item id: errNoItem when it is missing.
func (c *registerDBClient) item(ctx context.Context, id int) (string, error) {
	v, found, err := c.call(ctx, "/read", url.Values{"id": {strconv.Itoa(id)}})
	if err == nil && !found {
		err = fmt.Errorf("item %d: %w", id, errNoItem)
	}
	return v, err
}

// put sets item id to v, or deletes it when v is empty.
func (c *registerDBClient) put(ctx context.Context, id int, v string) error {
	_, _, err := c.call(ctx, "/write", url.Values{"id": {strconv.Itoa(id)}, "v": {v}})
	return err
}

// reindex sets every present item to v and returns their ids.
func (c *registerDBClient) reindex(ctx context.Context, v string) ([]int, error) {
	body, _, err := c.call(ctx, "/reindex", url.Values{"v": {v}})
	if err != nil {
		return nil, err
	}
	var ids []int
	return ids, json.Unmarshal([]byte(body), &ids)
}

// awaitStart returns when every process is ready.
func (c *registerDBClient) awaitStart(ctx context.Context) error {
	_, _, err := c.call(ctx, "/start", nil)
	return err
}
