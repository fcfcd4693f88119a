package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"

	"github.com/cachegen/cachegen/example/books"
	"github.com/cachegen/cachegen/example/server"
)

// The mixed scenario: GET /books/{id} of books drawn from a Zipf
// distribution over the first mixedBooks books, and, for a share of the
// requests, PUT /books/{id} of a book drawn the same way (popular books are
// written more often too), writing back the book as it is.
const (
	mixedBooks = 1000
	zipfS      = 1.1 // the exponent: book k is read in proportion to (1+k)^-s
)

// writeShares are the rows of the mixed scenario: the share of requests
// that are writes.
var writeShares = []float64{0, 0.01, 0.1}

// hitRate is the outcome of one row of the mixed scenario.
type hitRate struct {
	rate     float64 // the share of the GETs answered X-Cache: HIT
	bypassed int     // GETs answered X-Cache: BYPASS (Redis slow or failing), counted as misses
}

// hitRates starts the API of cfg and returns the hit rate for each of
// writeShares, each row from a cold cache.
func hitRates(cfg server.Config, n int) ([]hitRate, error) {
	a, err := startAPI(cfg)
	if err != nil {
		return nil, err
	}
	defer a.close()
	ids, bodies, err := a.firstBooks(mixedBooks)
	if err != nil {
		return nil, err
	}
	rates := make([]hitRate, len(writeShares))
	for i, share := range writeShares {
		if err := a.cold(); err != nil {
			return nil, err
		}
		if rates[i], err = a.replay(n, share, ids, bodies); err != nil {
			return nil, err
		}
	}
	return rates, nil
}

// firstBooks returns the ids of the first n books and, for each, its
// BookInput as a JSON body.
func (a *api) firstBooks(n int) ([]int64, []string, error) {
	var ids []int64
	var bodies []string
	for page := 1; len(ids) < n; page++ {
		var p books.BookPage
		if err := a.getJSON(fmt.Sprintf("/books?page=%d&per_page=%d", page, books.MaxPerPage), &p); err != nil {
			return nil, nil, err
		}
		if len(p.Books) == 0 {
			return nil, nil, fmt.Errorf("the database holds %d books; the mixed scenario reads %d", len(ids), n)
		}
		for _, b := range p.Books[:min(len(p.Books), n-len(ids))] {
			body, err := json.Marshal(books.BookInput{Title: b.Title, Author: b.Author, CategoryID: b.CategoryID, PriceCents: b.PriceCents, Published: b.Published})
			if err != nil {
				return nil, nil, err
			}
			ids, bodies = append(ids, b.ID), append(bodies, string(body))
		}
	}
	return ids, bodies, nil
}

// replay sends n requests, a share of them writes, and returns the hit
// rate of the reads. The sequence of books is the same for every share and
// every column: a fixed seed, and one draw of each kind per request.
func (a *api) replay(n int, share float64, ids []int64, bodies []string) (hitRate, error) {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, zipfS, 1, uint64(len(ids)-1))
	var h hitRate
	reads, hits := 0, 0
	for range n {
		k := zipf.Uint64()
		path := fmt.Sprintf("/books/%d", ids[k])
		if rng.Float64() < share {
			if _, _, err := a.do("PUT", path, bodies[k], http.StatusOK); err != nil {
				return h, err
			}
			continue
		}
		_, x, err := a.get(path)
		if err != nil {
			return h, err
		}
		reads++
		switch x {
		case "HIT":
			hits++
		case "BYPASS":
			h.bypassed++
		}
	}
	h.rate = float64(hits) / float64(reads)
	return h, nil
}

// printMixed prints the mixed scenario's hit rates as a Markdown table.
func printMixed(w io.Writer, whole, perBook []hitRate, n int) {
	fmt.Fprintf(w, "\n### Hit rate under writes\n\n")
	fmt.Fprintf(w, "GET /books/{id} of books drawn from a Zipf distribution (s = %.1f) over %d books, and, for a share of the requests,\n", zipfS, mixedBooks)
	fmt.Fprintf(w, "PUT /books/{id} of a book drawn the same way. %d requests per row, from a cold cache; the same sequence of books\n", n)
	fmt.Fprintf(w, "in every row and column. Hit rate: the share of the GETs answered `X-Cache: HIT`. The whole-namespace column is the\n")
	fmt.Fprintf(w, "same API with GetBook annotated `namespace=books` and every write `invalidate namespace=books` (cmd/seedtable/baseline.go).\n")
	fmt.Fprintf(w, "GETs answered `X-Cache: BYPASS` (Redis slow or failing) count as misses, and are counted in the cell when there are any.\n\n")
	fmt.Fprintln(w, "| writes | whole namespace `books` | per book `book:{id}` |")
	fmt.Fprintln(w, "|---:|---:|---:|")
	for i, share := range writeShares {
		fmt.Fprintf(w, "| %g%% | %s | %s |\n", share*100, whole[i], perBook[i])
	}
}

// String returns the rate, and the bypasses when there were any.
func (h hitRate) String() string {
	if h.bypassed > 0 {
		return fmt.Sprintf("%.3f (%d bypassed)", h.rate, h.bypassed)
	}
	return fmt.Sprintf("%.3f", h.rate)
}
