// Package server is the example's HTTP API over a books.Repository: JSON,
// Go 1.22 routing patterns, and HTTP caching headers driven by what cachegen
// did for each call.
package server

import (
	"net/http"

	"github.com/cachegen/cachegen/example/books"
)

// Server serves the books API.
type Server struct {
	repo books.Repository
	opts Options
	mux  *http.ServeMux
}

// Options are the API's HTTP settings.
type Options struct {
	// MaxAge sends Cache-Control: max-age=<the method's TTL> on cached
	// reads, so that browsers and CDNs reuse a response without asking.
	// They may then keep serving it after a write that the server has
	// already invalidated, for up to the TTL. Without it, cached reads carry
	// no-cache: clients revalidate with If-None-Match every time and an
	// unchanged response costs a 304 without a body.
	MaxAge bool
	// Metrics, when set, serves GET /metrics.
	Metrics http.Handler
}

// New returns the API over repo, which may be the plain repository or the
// generated CachedRepository.
func New(repo books.Repository, opts Options) *Server {
	s := &Server{repo: repo, opts: opts, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /categories", s.listCategories)
	s.mux.HandleFunc("GET /books", s.listBooks)
	s.mux.HandleFunc("GET /books/{id}", s.getBook)
	s.mux.HandleFunc("GET /books/{id}/stock", s.stock)
	s.mux.HandleFunc("GET /search", s.search)
	s.mux.HandleFunc("POST /books", s.createBook)
	s.mux.HandleFunc("PUT /books/{id}", s.updateBook)
	s.mux.HandleFunc("DELETE /books/{id}", s.deleteBook)
	if opts.Metrics != nil {
		s.mux.Handle("GET /metrics", opts.Metrics)
	}
	return s
}

// ServeHTTP implements http.Handler. Requests that match no route get the
// mux's 404, or 405 and Allow header, with a JSON body.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		rec := &headerRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		writeError(w, rec.status, http.StatusText(rec.status)+": "+r.Method+" "+r.URL.Path)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// headerRecorder keeps the status and headers a handler writes, not its body.
type headerRecorder struct {
	header http.Header
	status int
}

func (r *headerRecorder) Header() http.Header { return r.header }

func (r *headerRecorder) WriteHeader(status int) { r.status = status }

func (r *headerRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
