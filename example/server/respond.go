package server

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/cachegen/cachegen/cache"
)

// errorBody is every error response.
type errorBody struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the response failed")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, errorBody{Error: msg})
}

// writeCached writes v as the response to a cached read: X-Cache says what
// the cache did, and the strong ETag of the body answers If-None-Match with
// 304. Cache-Control is no-cache (clients and CDNs revalidate every time,
// and an unchanged response costs a 304 without a body), or, with
// Options.MaxAge, max-age set to the method's TTL.
func (s *Server) writeCached(w http.ResponseWriter, r *http.Request, rec *cache.Recorder, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "encoding the response failed")
		return
	}
	body = append(body, '\n')
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	setXCache(h, rec)
	if ttl := rec.TTL(); s.opts.MaxAge && ttl > 0 {
		h.Set("Cache-Control", "max-age="+strconv.Itoa(int(ttl.Seconds())))
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// etagMatches reports whether an If-None-Match header matches etag, by the
// weak comparison RFC 9110 prescribes for it.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}

// setXCache sets X-Cache to what the cache did for the read rec recorded:
// HIT, MISS or BYPASS; nothing when no cached method ran to the end (an
// error the cache does not store).
func setXCache(h http.Header, rec *cache.Recorder) {
	switch rec.Status() {
	case cache.StatusHit:
		h.Set("X-Cache", "HIT")
	case cache.StatusMiss:
		h.Set("X-Cache", "MISS")
	case cache.StatusBypass:
		h.Set("X-Cache", "BYPASS")
	}
}
