package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cachegen/cachegen/example/books"
)

// testDSN creates a database of the test's own on the server named by
// CACHEGEN_MYSQL_DSN, drops it when the test ends, and returns its DSN.
func testDSN(t *testing.T) string {
	t.Helper()
	cfg := serverDSN(t)
	dsn := cfg.FormatDSN()
	admin, err := books.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("cgtest_%d_%d", time.Now().UnixNano()%1e9, rand.IntN(1e6))
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatalf("CACHEGEN_MYSQL_DSN=%s: %v", dsn, err)
	}
	t.Cleanup(func() {
		db, err := books.Open(dsn)
		if err == nil {
			db.Exec("DROP DATABASE " + name)
			db.Close()
		}
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

// testRedisURL returns CACHEGEN_REDIS_URL, or the URL of a miniredis.
func testRedisURL(t *testing.T) string {
	if u := os.Getenv("CACHEGEN_REDIS_URL"); u != "" {
		return u
	}
	return "redis://" + miniredis.RunT(t).Addr()
}

// api is a running example server for a test.
type api struct {
	t   *testing.T
	srv *httptest.Server
	app *App
}

func startAPI(t *testing.T, dsn string, noCache bool) *api {
	t.Helper()
	return startAPIConfig(t, Config{MySQLDSN: dsn, NoCache: noCache})
}

// startAPIConfig starts the API with cfg, a Redis and a key prefix of the
// test's own.
func startAPIConfig(t *testing.T, cfg Config) *api {
	t.Helper()
	cfg.RedisURL = testRedisURL(t)
	cfg.Prefix = fmt.Sprintf("cgtest:%s:%d", t.Name(), time.Now().UnixNano())
	app, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(app.Server)
	t.Cleanup(func() { srv.Close(); app.Close() })
	return &api{t: t, srv: srv, app: app}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (a *api) do(method, path, body string, header ...string) response {
	a.t.Helper()
	req, err := http.NewRequest(method, a.srv.URL+path, strings.NewReader(body))
	if err != nil {
		a.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := a.srv.Client().Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

// get GETs path and checks the status and, when xcache is not "", X-Cache.
func (a *api) get(path string, status int, xcache string) response {
	a.t.Helper()
	r := a.do("GET", path, "")
	if r.status != status {
		a.t.Fatalf("GET %s: status %d, want %d: %s", path, r.status, status, r.body)
	}
	if xcache != "" && r.header.Get("X-Cache") != xcache {
		a.t.Fatalf("GET %s: X-Cache %q, want %q", path, r.header.Get("X-Cache"), xcache)
	}
	return r
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decoding %q: %v", body, err)
	}
	return v
}

func TestCachedReads(t *testing.T) {
	dsn := testDSN(t)
	a := startAPI(t, dsn, false)
	maxAge := startAPIConfig(t, Config{MySQLDSN: dsn, MaxAge: true})
	a.get("/healthz", 200, "")

	for _, c := range []struct {
		path   string
		maxAge string // with Config.MaxAge; no-cache without
	}{
		{"/categories", "max-age=3600"},
		{"/books?page=2&per_page=5", "max-age=60"},
		{"/books?category=3&author=Ada+Berg", "max-age=60"},
		{"/books/7", "max-age=300"},
		{"/search?q=Shadow&limit=5", "max-age=30"},
	} {
		miss := a.get(c.path, 200, "MISS")
		hit := a.get(c.path, 200, "HIT")
		if miss.body != hit.body {
			t.Fatalf("%s: the hit differs from the miss:\n%s\n%s", c.path, miss.body, hit.body)
		}
		etag := hit.header.Get("ETag")
		if len(etag) < 10 || etag[0] != '"' || etag != miss.header.Get("ETag") {
			t.Fatalf("%s: ETag %q (miss %q), want a strong ETag, the same for the same body", c.path, etag, miss.header.Get("ETag"))
		}
		// Revalidation by default: a browser or CDN must ask again, and
		// gets a 304 while nothing changed.
		if cc, cm := hit.header.Get("Cache-Control"), miss.header.Get("Cache-Control"); cc != "no-cache" || cm != "no-cache" {
			t.Fatalf("%s: Cache-Control %q on the miss, %q on the hit; want no-cache", c.path, cm, cc)
		}
		if cc := maxAge.get(c.path, 200, "").header.Get("Cache-Control"); cc != c.maxAge {
			t.Fatalf("%s with MaxAge: Cache-Control %q, want %q", c.path, cc, c.maxAge)
		}
		nm := a.do("GET", c.path, "", "If-None-Match", `"nope", `+etag)
		if nm.status != http.StatusNotModified || nm.body != "" || nm.header.Get("X-Cache") != "HIT" {
			t.Fatalf("%s with If-None-Match: status %d, body %q, X-Cache %q", c.path, nm.status, nm.body, nm.header.Get("X-Cache"))
		}
		if other := a.do("GET", c.path, "", "If-None-Match", `"other"`); other.status != 200 {
			t.Fatalf("%s with a stale If-None-Match: status %d, want 200", c.path, other.status)
		}
	}
	cats := decode[[]books.Category](t, a.get("/categories", 200, "HIT").body)
	page := decode[books.BookPage](t, a.get("/books?page=2&per_page=5", 200, "HIT").body)
	if len(cats) != books.SeedCategories || page.Total != books.SeedBooks || len(page.Books) != 5 || page.Books[0].ID != 6 {
		t.Fatalf("seed data: %d categories, %d books, page %+v", len(cats), page.Total, page.Books)
	}
	found := decode[[]books.Book](t, a.get("/search?q=Shadow&limit=5", 200, "HIT").body)
	if len(found) != 5 || !strings.Contains(found[0].Title+found[0].Author, "Shadow") {
		t.Fatalf("search: %+v", found)
	}
	// Stock is real-time: never cached.
	st := a.get("/books/7/stock", 200, "")
	if st.header.Get("X-Cache") != "" || st.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("stock: X-Cache %q, Cache-Control %q", st.header.Get("X-Cache"), st.header.Get("Cache-Control"))
	}
}

func TestWritesInvalidate(t *testing.T) {
	a := startAPI(t, testDSN(t), false)
	list := "/books?per_page=100&author=Zed+Quill"
	a.get(list, 200, "MISS")
	a.get(list, 200, "HIT")
	a.get("/search?q=Zanzibar", 200, "MISS")
	a.get("/search?q=Zanzibar", 200, "HIT")

	// POST: the next list and search see the new book.
	created := a.do("POST", "/books", `{"title":"Zanzibar Nights","author":"Zed Quill","category_id":3,"price_cents":1999,"published":2020}`)
	if created.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", created.status, created.body)
	}
	b := decode[books.Book](t, created.body)
	if created.header.Get("Location") != fmt.Sprintf("/books/%d", b.ID) {
		t.Fatalf("Location %q", created.header.Get("Location"))
	}
	if p := decode[books.BookPage](t, a.get(list, 200, "MISS").body); p.Total != 1 || p.Books[0].Title != "Zanzibar Nights" {
		t.Fatalf("list after POST: %+v", p)
	}
	if f := decode[[]books.Book](t, a.get("/search?q=Zanzibar", 200, "MISS").body); len(f) != 1 {
		t.Fatalf("search after POST: %+v", f)
	}
	path := fmt.Sprintf("/books/%d", b.ID)
	a.get(path, 200, "MISS")
	a.get(path, 200, "HIT")

	// PUT: the very next GET shows the change.
	upd := a.do("PUT", path, `{"title":"Zanzibar Days","author":"Zed Quill","category_id":3,"price_cents":2499,"published":2021}`)
	if upd.status != 200 {
		t.Fatalf("PUT: %d %s", upd.status, upd.body)
	}
	if got := decode[books.Book](t, a.get(path, 200, "MISS").body); got.Title != "Zanzibar Days" || got.PriceCents != 2499 {
		t.Fatalf("GET after PUT: %+v", got)
	}
	if got := decode[books.Book](t, a.get(path, 200, "HIT").body); got != decode[books.Book](t, upd.body) {
		t.Fatalf("cached book %+v differs from the PUT's %+v", got, upd.body)
	}

	// DELETE: the next GET is a 404, the list is empty again.
	if del := a.do("DELETE", path, ""); del.status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", del.status, del.body)
	}
	a.get(path, 404, "MISS")
	if p := decode[books.BookPage](t, a.get(list, 200, "MISS").body); p.Total != 0 {
		t.Fatalf("list after DELETE: %+v", p)
	}
	if del := a.do("DELETE", path, ""); del.status != 404 {
		t.Fatalf("second DELETE: %d", del.status)
	}
}

// TestPerBookNamespaces: a book's entry lives in a namespace of its own, so
// a write to one book leaves the others cached; the lists are invalidated by
// every write.
func TestPerBookNamespaces(t *testing.T) {
	a := startAPI(t, testDSN(t), false)
	list := "/books?per_page=5"
	for _, p := range []string{"/books/1", "/books/2", list} {
		a.get(p, 200, "MISS")
		a.get(p, 200, "HIT")
	}

	upd := a.do("PUT", "/books/1", `{"title":"Renamed","author":"Ada Berg","category_id":1,"price_cents":100,"published":2001}`)
	if upd.status != 200 {
		t.Fatalf("PUT /books/1: %d %s", upd.status, upd.body)
	}
	a.get("/books/2", 200, "HIT") // another book: still cached
	if b := decode[books.Book](t, a.get("/books/1", 200, "MISS").body); b.Title != "Renamed" {
		t.Fatalf("GET /books/1 after its PUT: %+v", b)
	}
	if p := decode[books.BookPage](t, a.get(list, 200, "MISS").body); p.Books[0].Title != "Renamed" {
		t.Fatalf("list after the PUT: %+v", p.Books[0])
	}

	if del := a.do("DELETE", "/books/2", ""); del.status != http.StatusNoContent {
		t.Fatalf("DELETE /books/2: %d %s", del.status, del.body)
	}
	a.get("/books/1", 200, "HIT")
	a.get("/books/2", 404, "MISS")
	if p := decode[books.BookPage](t, a.get(list, 200, "MISS").body); p.Total != books.SeedBooks-1 || p.Books[1].ID != 3 {
		t.Fatalf("list after the DELETE: total %d, %+v", p.Total, p.Books)
	}
}

// TestNotFoundIsCached: a missing book's 404 is served from the cache, with
// X-Cache like any cached read, and is never stored by clients.
func TestNotFoundIsCached(t *testing.T) {
	a := startAPI(t, testDSN(t), false)
	miss := a.get("/books/99999999", 404, "MISS")
	hit := a.get("/books/99999999", 404, "HIT")
	for _, r := range []response{miss, hit} {
		if e := decode[errorBody](t, r.body); e.Error != "book not found" || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("404: body %q, Cache-Control %q", r.body, r.header.Get("Cache-Control"))
		}
	}
	// Stock is not cached, its 404 neither.
	if st := a.get("/books/99999999/stock", 404, ""); st.header.Get("X-Cache") != "" {
		t.Fatalf("stock 404: X-Cache %q", st.header.Get("X-Cache"))
	}
}

// TestCreateSeesCachedNotFound: a POST invalidates the new book's own
// namespace, so a 404 cached for its id before the POST is not served after
// it.
func TestCreateSeesCachedNotFound(t *testing.T) {
	a := startAPI(t, testDSN(t), false)
	post := func(title string, category int) response {
		t.Helper()
		return a.do("POST", "/books", fmt.Sprintf(`{"title":%q,"author":"Zed Quill","category_id":%d,"price_cents":999,"published":2024}`, title, category))
	}
	first := post("First", 1)
	if first.status != http.StatusCreated {
		t.Fatalf("POST: %d %s", first.status, first.body)
	}
	next := fmt.Sprintf("/books/%d", decode[books.Book](t, first.body).ID+1)
	a.get(next, 404, "MISS")
	a.get(next, 404, "HIT")

	second := post("Second", 1)
	if second.status != http.StatusCreated || second.header.Get("Location") != next {
		t.Fatalf("second POST: %d, Location %q; the test needs the id after the first's (%s)", second.status, second.header.Get("Location"), next)
	}
	if b := decode[books.Book](t, a.get(next, 200, "MISS").body); b.Title != "Second" {
		t.Fatalf("GET %s after the POST: %+v", next, b)
	}
	a.get(next, 200, "HIT")

	// A POST that fails names no book: it invalidates every book (it might
	// have partly applied).
	a.get("/books/1", 200, "")
	a.get("/books/1", 200, "HIT")
	if r := post("Nowhere", 999999); r.status != http.StatusUnprocessableEntity {
		t.Fatalf("POST into a missing category: %d %s", r.status, r.body)
	}
	a.get("/books/1", 200, "MISS")
}

func TestBadInput(t *testing.T) {
	a := startAPI(t, testDSN(t), false)
	valid := `{"title":"T","author":"A","category_id":1,"price_cents":1,"published":2000}`
	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"GET", "/books/abc", "", 400},
		{"GET", "/books/0", "", 400},
		{"GET", "/books/99999999", "", 404},
		{"GET", "/books?page=0", "", 400},
		{"GET", "/books?page=x", "", 400},
		{"GET", "/books?per_page=1000", "", 400},
		{"GET", "/books?category=-1", "", 400},
		{"GET", "/search", "", 400},
		{"GET", "/search?q=" + strings.Repeat("x", 101), "", 400},
		{"GET", "/search?q=a&limit=0", "", 400},
		{"GET", "/nope", "", 404},
		{"POST", "/books", `{"title":`, 400},
		{"POST", "/books", `[1,2]`, 400},
		{"POST", "/books", `{"title":"T","author":"A","category_id":1,"price_cents":1,"published":2000,"isbn":"x"}`, 400},
		{"POST", "/books", valid + `{}`, 400},
		{"POST", "/books", `{"title":"","author":"A","category_id":1}`, 422},
		{"POST", "/books", `{"title":"T","author":"A","category_id":999999}`, 422},
		{"POST", "/books", `{"title":"T","author":"A","category_id":1,"price_cents":-1}`, 422},
		{"PUT", "/books/99999999", valid, 404},
		{"PUT", "/books/x", valid, 400},
		{"PUT", "/books/1", `nope`, 400},
		{"DELETE", "/books/x", "", 400},
		{"PATCH", "/books/1", valid, 405},
		{"POST", "/categories", "", 405},
	} {
		r := a.do(c.method, c.path, c.body)
		if r.status != c.status {
			t.Errorf("%s %s %s: status %d, want %d (%s)", c.method, c.path, c.body, r.status, c.status, r.body)
			continue
		}
		if e := decode[errorBody](t, r.body); e.Error == "" || r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %s: error body %q", c.method, c.path, r.body)
		}
	}
}

func TestMethodNotAllowedSaysWhatIs(t *testing.T) {
	a := startAPI(t, testDSN(t), true)
	r := a.do("PATCH", "/books/1", "{}")
	if allow := r.header.Get("Allow"); r.status != 405 || !strings.Contains(allow, "PUT") || !strings.Contains(allow, "DELETE") {
		t.Fatalf("PATCH /books/1: status %d, Allow %q", r.status, allow)
	}
}

func TestNoCacheMode(t *testing.T) {
	a := startAPI(t, testDSN(t), true)
	for range 2 {
		r := a.get("/books/1", 200, "")
		if r.header.Get("X-Cache") != "" || r.header.Get("Cache-Control") != "no-cache" {
			t.Fatalf("-no-cache: X-Cache %q, Cache-Control %q", r.header.Get("X-Cache"), r.header.Get("Cache-Control"))
		}
	}
	if a.app.Cache != nil {
		t.Fatal("-no-cache built a cache")
	}
}

// TestSchemaIsCreatedOnce checks that a second start finds the tables and
// does not seed again.
func TestSchemaIsCreatedOnce(t *testing.T) {
	dsn := testDSN(t)
	startAPI(t, dsn, true)
	db, err := books.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if created, err := books.EnsureSchema(context.Background(), db); err != nil || created {
		t.Fatalf("second EnsureSchema: created %v, %v", created, err)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM books").Scan(&n); err != nil || n != books.SeedBooks {
		t.Fatalf("books: %d, %v", n, err)
	}
}

// TestPrometheusMetrics: with Config.Metrics, GET /metrics serves the
// cache's counters and load histogram (otelcache through OpenTelemetry's
// Prometheus exporter), labelled by method and namespace.
func TestPrometheusMetrics(t *testing.T) {
	a := startAPIConfig(t, Config{MySQLDSN: testDSN(t), Metrics: true})
	a.get("/books/3", 200, "MISS")
	a.get("/books/3", 200, "HIT")
	a.get("/books/3", 200, "HIT")
	body := a.get("/metrics", 200, "").body
	for _, want := range []string{
		`cachegen_hits_total{cachegen_method="Repository.GetBook",cachegen_namespace="book:{id}",`,
		`cachegen_misses_total{cachegen_method="Repository.GetBook",cachegen_namespace="book:{id}",`,
		`cachegen_load_duration_seconds_count{cachegen_method="Repository.GetBook",cachegen_namespace="book:{id}",`,
	} {
		i := strings.Index(body, want)
		if i < 0 {
			t.Fatalf("/metrics has no %s...:\n%s", want, body)
		}
		line := body[i:]
		line = line[:strings.IndexByte(line, '\n')]
		wantValue := " 1"
		if strings.HasPrefix(want, "cachegen_hits") {
			wantValue = " 2"
		}
		if !strings.HasSuffix(line, wantValue) {
			t.Errorf("%s: want the value%s", line, wantValue)
		}
	}
}

func TestNoMetricsByDefault(t *testing.T) {
	a := startAPI(t, testDSN(t), false)
	a.get("/metrics", 404, "")
}
