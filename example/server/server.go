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
	mux  *http.ServeMux
}

// New returns the API over repo, which may be the plain repository or the
// generated CachedRepository.
func New(repo books.Repository) *Server {
	s := &Server{repo: repo, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /categories", s.listCategories)
	s.mux.HandleFunc("GET /books", s.listBooks)
	s.mux.HandleFunc("GET /books/{id}", s.getBook)
	s.mux.HandleFunc("GET /books/{id}/stock", s.stock)
	s.mux.HandleFunc("GET /search", s.search)
	s.mux.HandleFunc("POST /books", s.createBook)
	s.mux.HandleFunc("PUT /books/{id}", s.updateBook)
	s.mux.HandleFunc("DELETE /books/{id}", s.deleteBook)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "no route for "+r.Method+" "+r.URL.Path)
	})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
