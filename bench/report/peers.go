package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// kb formats a size in bytes.
func kb(b float64) string {
	if b >= 1000 {
		return fmt.Sprintf("%.1f KB", b/1000)
	}
	return fmt.Sprintf("%.0f B", b)
}

// rate formats operations per second from a time per operation.
func rate(ns float64) string {
	switch ops := 1e9 / ns; {
	case ops >= 1e6:
		return fmt.Sprintf("%.2fM/s", ops/1e6)
	case ops >= 1e3:
		return fmt.Sprintf("%.1fk/s", ops/1e3)
	default:
		return fmt.Sprintf("%.0f/s", ops)
	}
}

// compressionSection writes the table of BenchmarkCompression, if it ran.
func compressionSection(w io.Writer, rs map[string]result) {
	base, ok := rs["BenchmarkCompression/items=100/json/hit"]
	if !ok {
		return
	}
	fmt.Fprintln(w, "\n## Compressed entries")
	fmt.Fprintln(w, "\n`cache.WithCompression(alg, 1024)` beside plain JSON, through the generated wrapper, in one run.")
	fmt.Fprintln(w, "An entry is its stored value (`STRLEN`); in Redis is `MEMORY USAGE` (key, value and the")
	fmt.Fprintln(w, "allocator's rounding). Entries under 1 KiB (the 1-item rows) stay uncompressed. The ratio of hit")
	fmt.Fprintln(w, "times comes from `BenchmarkCompressionHitRatio`, which reads the three entries in turn within every")
	fmt.Fprintln(w, "iteration, so that a loaded moment of the machine slows all three alike.")
	fmt.Fprintln(w, "\n| entry | hit, 1 item | hit, 100 items | ratio (goal ≤ 1.1) | allocs | 100-item entry | ratio (goal ≤ 0.25) | in Redis | ratio | miss, 100 items |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range []struct{ name, label string }{{"json", "JSON"}, {"json+s2", "JSON + S2"}, {"json+zstd", "JSON + zstd"}} {
		one, ok1 := rs["BenchmarkCompression/items=1/"+c.name+"/hit"]
		hit, ok2 := rs["BenchmarkCompression/items=100/"+c.name+"/hit"]
		miss, ok3 := rs["BenchmarkCompression/items=100/"+c.name+"/miss"]
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		ratio, size := hit.ns/base.ns, hit.metrics["B/entry"]/base.metrics["B/entry"]
		if r, ok := rs["BenchmarkCompressionHitRatio"]; ok && c.name != "json" {
			ratio = r.metrics[c.name+"/json"]
		}
		goal := func(ok bool) string {
			if c.name == "json" {
				return "-"
			}
			return verdict(ok)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %.3f (%s) | %.0f | %s | %.3f (%s) | %s | %.3f | %s |\n", c.label, dur(one.ns), dur(hit.ns),
			ratio, goal(ratio <= 1.1), hit.allocs, kb(hit.metrics["B/entry"]), size, goal(size <= 0.25),
			kb(hit.metrics["redis-B/entry"]), hit.metrics["redis-B/entry"]/base.metrics["redis-B/entry"], dur(miss.ns))
	}
}

// peerNames returns the caches of the peer benchmarks, alphabetically
// (cachegen first).
func peerNames(rs map[string]result) []string {
	var names []string
	for n := range rs {
		for _, p := range []string{"BenchmarkPeerHit/items=1/", "BenchmarkPeerStale/"} {
			if name, ok := strings.CutPrefix(n, p); ok && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names
}

// peersSection writes the tables of bench/peers, if it ran.
func peersSection(w io.Writer, rs map[string]result, drawn charts) {
	names := peerNames(rs)
	if len(names) == 0 {
		return
	}
	cell := func(name string, f func(result) string) string {
		if r, ok := rs["Benchmark"+name]; ok {
			return f(r)
		}
		return "-"
	}
	repo := rs["BenchmarkPeerMiss/items=1/repository"]
	fmt.Fprintln(w, "\n## Peers")
	fmt.Fprintln(w, "\n`bench/peers`, a module of its own: cachegen and other Go caches over the same Redis, in one")
	fmt.Fprintln(w, "`go test -bench` run (`-bench '^BenchmarkPeer(Hit|HotKey|Miss|Stale)$'`), interleaved like the rest.")
	fmt.Fprintln(w, "The miss is of one Book, the repository in memory; the overhead is the miss minus the repository call.")
	fmt.Fprintln(w, "The notes below say how each peer is used.")
	fmt.Fprintln(w, "\n| cache | hit, 1 item | hit, 100 items | 64 goroutines, one key | miss (overhead) | 100-item entry (in Redis) | stale reads |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for _, n := range names {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", n,
			cell("PeerHit/items=1/"+n, func(r result) string { return dur(r.ns) }),
			cell("PeerHit/items=100/"+n, func(r result) string { return dur(r.ns) }),
			cell("PeerHotKey/items=1/"+n, func(r result) string { return rate(r.ns) }),
			cell("PeerMiss/items=1/"+n, func(r result) string { return dur(r.ns - repo.ns) }),
			cell("PeerHit/items=100/"+n, func(r result) string {
				return fmt.Sprintf("%s (%s)", kb(r.metrics["B/entry"]), kb(r.metrics["redis-B/entry"]))
			}),
			cell("PeerStale/"+n, func(r result) string { return fmt.Sprintf("%.2f%%", r.metrics["stale-%"]) }))
	}
	drawn.link(w, chartHit, "Hit latency of each cache at 1 and 100 items")

	fmt.Fprintln(w, "\n### Stale reads")
	fmt.Fprintln(w, "\nThe race harness over each cache (`-benchtime 1x`, one run of 2 s each time): 8 readers and 1")
	fmt.Fprintln(w, "writer, pausing 2 to 8 ms between writes, over a counter whose loads take 1 to 3 ms; two instances")
	fmt.Fprintln(w, "share the Redis (reads alternate between them, writes go through the first), so a local tier sees")
	fmt.Fprintln(w, "writes made elsewhere. A read is stale when it returns a version older than one whose write had")
	fmt.Fprintln(w, "returned before the read started; its age runs from the return of the first write it did not see")
	fmt.Fprintln(w, "to its own return. Figures per run, medians over the runs.")
	fmt.Fprintln(w, "\n| cache | stale reads | reads | share | age p50 | p99 | max | loads | writes |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, n := range names {
		r, ok := rs["BenchmarkPeerStale/"+n]
		if !ok {
			continue
		}
		m := r.metrics
		fmt.Fprintf(w, "| %s | %.0f | %.0f | %.2f%% | %.1f ms | %.1f ms | %.1f ms | %.0f | %.0f |\n", n,
			m["stale/run"], m["reads/run"], m["stale-%"], m["stale-p50-ms"], m["stale-p99-ms"], m["stale-max-ms"], m["loads/run"], m["writes/run"])
	}
	drawn.link(w, chartStale, "Share of stale reads of each cache")
}
