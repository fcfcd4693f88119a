package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// benchSample is go test -bench output of the benchmarks the charts draw,
// in the format scripts/benchmarks.sh collects.
const benchSample = `goos: linux
goarch: amd64
cpu: Example CPU
BenchmarkPeerHit/items=1/cachegen-2         	   20000	     70000 ns/op	    15200 B/entry	    16500 redis-B/entry	    1484 B/op	      26 allocs/op
BenchmarkPeerHit/items=100/cachegen-2       	   10000	    150000 ns/op	    15200 B/entry	    16500 redis-B/entry	   47820 B/op	     127 allocs/op
BenchmarkPeerHit/items=1/rueidis-docache-2  	 1000000	      1200 ns/op	    15200 B/entry	    16500 redis-B/entry	     100 B/op	       2 allocs/op
BenchmarkPeerHit/items=100/rueidis-docache-2	   20000	     59600 ns/op	    15200 B/entry	    16500 redis-B/entry	    9000 B/op	      50 allocs/op
BenchmarkPeerStale/cachegen-2               	       1	2000000000 ns/op	         0 stale-%	         0 stale/run	     54930 reads/run
BenchmarkPeerStale/rueidis-docache-2        	       1	2000000000 ns/op	      9.12 stale-%	    396360 stale/run	   4363174 reads/run
BenchmarkHitRate/writes=0%/whole-2          	   20000	     70000 ns/op	     0.95 hits/read
BenchmarkHitRate/writes=0%/entity-2         	   20000	     70000 ns/op	     0.95 hits/read
BenchmarkHitRate/writes=1%/whole-2          	   20000	     70000 ns/op	     0.50 hits/read
BenchmarkHitRate/writes=1%/entity-2         	   20000	     70000 ns/op	     0.94 hits/read
BenchmarkHitRate/writes=10%/whole-2         	   20000	     70000 ns/op	     0.21 hits/read
BenchmarkHitRate/writes=10%/entity-2        	   20000	     70000 ns/op	     0.86 hits/read
BenchmarkInvalidate/entries=10000/cachegen-2    	   20000	     68000 ns/op
BenchmarkInvalidate/entries=100000/cachegen-2   	   20000	     60800 ns/op
BenchmarkInvalidate/entries=10000/scan+unlink-2 	       1	1370000000 ns/op
BenchmarkInvalidate/entries=100000/scan+unlink-2	       1	1550000000 ns/op
BenchmarkInvalidate/entries=10000/keys-in-lua-2 	       1	 170170000 ns/op
BenchmarkInvalidate/entries=100000/keys-in-lua-2	       1	 326850000 ns/op
`

// seedSample is the part of example/cmd/seedtable's output the seed chart
// reads.
const seedSample = `Go 1.26, linux/amd64, 2 CPUs.

### The seed's table

Text.

| scenario | seed: no cache | seed: Redis | no cache | cachegen | cachegen, near cache |
|---|---:|---:|---:|---:|---:|
| GET /books, first request | ~80 ms | ~80 ms (MISS) | 251.19 ms | 246.54 ms (MISS) | 247.04 ms (MISS) |
| GET /books, repeated request | ~80 ms | ~2 ms (HIT) | 249.09 ms | 5.39 ms (HIT) | 0.19 ms (HIT) |
| GET /categories x 100, total | ~8,000 ms | ~200 ms | 8523.86 ms | 149.84 ms | 89.56 ms |

### Latency, the database over loopback

| request | no cache | cachegen | speed-up | cachegen, near cache | speed-up |
|---|---:|---:|---:|---:|---:|
| GET /books, p50 over 2000 | 1.51 ms | 0.24 ms | 6.2x | 0.07 ms | 23.2x |
`

func TestParseSeedTable(t *testing.T) {
	header, rows := parseSeedTable(seedSample)
	wantHeader := []string{"seed: no cache", "seed: Redis", "no cache", "cachegen", "cachegen, near cache"}
	if !slices.Equal(header, wantHeader) {
		t.Errorf("header %q, want %q", header, wantHeader)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows, want 3 (the latency table is not the seed's): %+v", len(rows), rows)
	}
	if r := rows[2]; r.scenario != "GET /categories x 100, total" || !slices.Equal(r.ms, []float64{8000, 200, 8523.86, 149.84, 89.56}) {
		t.Errorf("last row %+v", r)
	}
	if h, r := parseSeedTable("no table here"); h != nil || r != nil {
		t.Errorf("output without the seed's table: %q, %+v", h, r)
	}
}

// TestWriteCharts draws every chart from sample output and checks that
// each is an SVG, and that output without a chart's benchmarks draws none.
func TestWriteCharts(t *testing.T) {
	rs, _, err := parse(strings.NewReader(benchSample))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	drawn, err := writeCharts(dir, rs, seedSample)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{chartHit, chartStale, chartInval, chartHitRate, chartSeedRows} {
		if !drawn[name] {
			t.Errorf("%s was not drawn", name)
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), "<svg") {
			t.Errorf("%s is not an SVG: %.80q", name, b)
		}
	}
	var md strings.Builder
	drawn.link(&md, chartHit, "hits")
	if md.String() != "\n![hits](charts/hit-latency.svg)\n" {
		t.Errorf("link: %q", md.String())
	}

	only, _, err := parse(strings.NewReader("BenchmarkHitRate/writes=0%/whole-2 \t 20000\t 70000 ns/op\t 0.95 hits/read\n"))
	if err != nil {
		t.Fatal(err)
	}
	drawn, err = writeCharts(t.TempDir(), only, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(drawn) != 0 {
		t.Errorf("output without the charts' benchmarks drew %v", drawn)
	}
}
