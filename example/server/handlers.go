package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/example/books"
)

// Query limits.
const (
	defaultPerPage = 20
	maxQueryLen    = 100
	maxBodyBytes   = 1 << 20
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	if err := s.repo.Ping(r.Context()); err != nil {
		writeError(w, http.StatusServiceUnavailable, "database unreachable")
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) {
	ctx, rec := cache.Record(r.Context())
	cats, err := s.repo.ListCategories(ctx)
	if err != nil {
		s.failCached(w, rec, err)
		return
	}
	s.writeCached(w, r, rec, cats)
}

func (s *Server) listBooks(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := books.Filter{Author: q.Get("author"), Page: 1, PerPage: defaultPerPage}
	var err error
	if f.CategoryID, err = intParam(q.Get("category"), 0); err != nil {
		writeError(w, http.StatusBadRequest, "category: "+err.Error())
		return
	}
	page, err := intParam(q.Get("page"), 1)
	if err != nil {
		writeError(w, http.StatusBadRequest, "page: "+err.Error())
		return
	}
	perPage, err := intParam(q.Get("per_page"), defaultPerPage)
	if err != nil {
		writeError(w, http.StatusBadRequest, "per_page: "+err.Error())
		return
	}
	f.Page, f.PerPage = int(page), int(perPage)
	if err := f.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	ctx, rec := cache.Record(r.Context())
	p, err := s.repo.ListBooks(ctx, f)
	if err != nil {
		s.failCached(w, rec, err)
		return
	}
	s.writeCached(w, r, rec, p)
}

func (s *Server) getBook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	ctx, rec := cache.Record(r.Context())
	b, err := s.repo.GetBook(ctx, id)
	if err != nil {
		s.failCached(w, rec, err)
		return
	}
	s.writeCached(w, r, rec, b)
}

func (s *Server) stock(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	n, err := s.repo.Stock(r.Context(), id)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "stock": n})
}

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query().Get("q")
	if q == "" || len(q) > maxQueryLen {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("q must be 1 to %d bytes", maxQueryLen))
		return
	}
	limit, err := intParam(r.URL.Query().Get("limit"), defaultPerPage)
	if err != nil || limit < 1 || limit > books.MaxPerPage {
		writeError(w, http.StatusBadRequest, fmt.Sprintf("limit must be from 1 to %d", books.MaxPerPage))
		return
	}
	ctx, rec := cache.Record(r.Context())
	found, err := s.repo.SearchBooks(ctx, q, int(limit))
	if err != nil {
		s.failCached(w, rec, err)
		return
	}
	s.writeCached(w, r, rec, found)
}

func (s *Server) createBook(w http.ResponseWriter, r *http.Request) {
	in, ok := decodeInput(w, r)
	if !ok {
		return
	}
	b, err := s.repo.CreateBook(r.Context(), in)
	if err != nil {
		s.fail(w, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/books/%d", b.ID))
	writeJSON(w, http.StatusCreated, b)
}

func (s *Server) updateBook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	in, ok := decodeInput(w, r)
	if !ok {
		return
	}
	b, err := s.repo.UpdateBook(r.Context(), id, in)
	if err != nil {
		s.fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

func (s *Server) deleteBook(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	if err := s.repo.DeleteBook(r.Context(), id); err != nil {
		s.fail(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail answers a repository error: 404, 422 or 500.
func (s *Server) fail(w http.ResponseWriter, err error) {
	var invalid *books.InvalidError
	switch {
	case errors.Is(err, books.ErrNotFound):
		writeError(w, http.StatusNotFound, "book not found")
	case errors.As(err, &invalid):
		writeError(w, http.StatusUnprocessableEntity, invalid.Reason)
	default:
		writeError(w, http.StatusInternalServerError, "internal error")
	}
}

// failCached answers an error of a cached read as fail does, with X-Cache
// when the cache served or stored it (a missing book's ErrNotFound).
func (s *Server) failCached(w http.ResponseWriter, rec *cache.Recorder, err error) {
	setXCache(w.Header(), rec)
	s.fail(w, err)
}

// pathID parses the {id} path value, answering 400 when it is not a
// positive integer.
func pathID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		writeError(w, http.StatusBadRequest, "id must be a positive integer")
		return 0, false
	}
	return id, true
}

// intParam parses an optional integer query parameter.
func intParam(s string, def int64) (int64, error) {
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

// decodeInput reads a BookInput, answering 400 for malformed JSON and 422
// for invalid values.
func decodeInput(w http.ResponseWriter, r *http.Request) (books.BookInput, bool) {
	var in books.BookInput
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, "malformed JSON body: "+err.Error())
		return in, false
	}
	if _, err := dec.Token(); err != io.EOF {
		writeError(w, http.StatusBadRequest, "malformed JSON body: data after the object")
		return in, false
	}
	if err := in.Validate(); err != nil {
		writeError(w, http.StatusUnprocessableEntity, err.Error())
		return in, false
	}
	return in, true
}
