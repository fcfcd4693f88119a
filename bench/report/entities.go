package main

import (
	"fmt"
	"io"
	"slices"
)

// entitiesSection writes the figures of per-entity namespaces, if they
// ran: a template's hit against a plain namespace's (BenchmarkTemplateHit),
// and the hit rate under writes (BenchmarkHitRate).
func entitiesSection(w io.Writer, rs map[string]result) {
	paired, okP := rs["BenchmarkTemplateHit/items=1/paired"]
	plain, okA := rs["BenchmarkTemplateHit/items=1/plain"]
	template, okB := rs["BenchmarkTemplateHit/items=1/template"]
	_, okRate := rs["BenchmarkHitRate/writes=0%/entity"]
	if !(okP && okA && okB) && !okRate {
		return
	}
	fmt.Fprintln(w, "\n## Per-entity namespaces")
	if okP && okA && okB {
		ratio := paired.metrics["template/plain"]
		fmt.Fprintln(w, "\nA hit of `namespace=item:{id}` (the family's version, the member's version and the")
		fmt.Fprintln(w, "entry, in one `MGET`) against the same read with `namespace=items` (the version and")
		fmt.Fprintln(w, "the entry, in one `MGET`), one item. Paired: each iteration makes both hits, in")
		fmt.Fprintln(w, "alternating order, so that both see the same moments of the machine; the median hit")
		fmt.Fprintln(w, "of each in a run, and the median over runs of each run's ratio, with its range.")
		fmt.Fprintln(w, "Alone: each measured by itself, as the tables above are (the ratio of the medians,")
		fmt.Fprintln(w, "and the range of the ratios run by run).")
		fmt.Fprintln(w, "\n| | plain namespace | template | template / plain (goal ≤ 1.1) |\n|---|---:|---:|---:|")
		fmt.Fprintf(w, "| paired, median hit | %s | %s | %.3f (%s; %s) |\n", dur(paired.metrics["plain-p50-ns"]), dur(paired.metrics["template-p50-ns"]),
			ratio, verdict(ratio <= 1.1), spread(paired, "template/plain", "%.3f"))
		fmt.Fprintf(w, "| alone, time/op | %s | %s | %.3f (%s) |\n", dur(plain.ns), dur(template.ns), template.ns/plain.ns, ratioRange(template, plain, "ns/op"))
		fmt.Fprintf(w, "| allocs/op | %.0f | %.0f | %.2f |\n", plain.allocs, template.allocs, template.allocs/plain.allocs)
		fmt.Fprintf(w, "| B/op | %.0f | %.0f | %.2f |\n", plain.bytes, template.bytes, template.bytes/plain.bytes)
	}
	if !okRate {
		return
	}
	fmt.Fprintln(w, "\nHit rate of reads under writes: 1,000 items, all cached first; then each operation is")
	fmt.Fprintln(w, "a write (`Save`) with the given probability, else a read (`Get`), of an item drawn from")
	fmt.Fprintln(w, "a Zipf distribution (exponent 1.1, the same for reads and writes, from a fixed seed,")
	fmt.Fprintln(w, "so both annotations see the same operations), sequentially, against Redis. Whole")
	fmt.Fprintln(w, "namespace: `namespace=items` on both; per entity: `namespace=item:{id}` and")
	fmt.Fprintln(w, "`namespace=item:{it.ID}`. Time/op is the mean over reads and writes.")
	fmt.Fprintln(w, "\n| writes | whole namespace, hits/read | per entity, hits/read | per entity / its rate without writes (goal ≥ 0.9 at 1%) | time/op whole | time/op per entity |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|")
	base := rs["BenchmarkHitRate/writes=0%/entity"].metrics["hits/read"]
	for _, writes := range []string{"0%", "1%", "10%"} {
		whole, ok1 := rs["BenchmarkHitRate/writes="+writes+"/whole"]
		entity, ok2 := rs["BenchmarkHitRate/writes="+writes+"/entity"]
		if !ok1 || !ok2 {
			continue
		}
		rel := entity.metrics["hits/read"] / base
		goal := "-"
		if writes == "1%" {
			goal = verdict(rel >= 0.9)
		}
		fmt.Fprintf(w, "| %s | %.3f (%s) | %.3f (%s) | %.3f (%s) | %s | %s |\n", writes,
			whole.metrics["hits/read"], spread(whole, "hits/read", "%.3f"), entity.metrics["hits/read"], spread(entity, "hits/read", "%.3f"),
			rel, goal, dur(whole.ns), dur(entity.ns))
	}
}

// spread returns the range of r's values of unit over its runs, as
// "lo–hi over n runs", or "all n runs" when they are all equal as
// formatted.
func spread(r result, unit, format string) string {
	vs := r.values[unit]
	if len(vs) == 0 {
		return "no runs"
	}
	lo, hi := fmt.Sprintf(format, slices.Min(vs)), fmt.Sprintf(format, slices.Max(vs))
	if lo == hi {
		return fmt.Sprintf("all %d runs", len(vs))
	}
	return fmt.Sprintf("%s–%s over %d runs", lo, hi, len(vs))
}

// ratioRange returns the range of a's values of unit over b's, run by run
// (the runs are interleaved: the i-th run of each was made one after the
// other), as "lo–hi over n runs".
func ratioRange(a, b result, unit string) string {
	av, bv := a.values[unit], b.values[unit]
	n := min(len(av), len(bv))
	if n == 0 {
		return "no runs"
	}
	rs := make([]float64, n)
	for i := range n {
		rs[i] = av[i] / bv[i]
	}
	return fmt.Sprintf("%.2f–%.2f over %d runs", slices.Min(rs), slices.Max(rs), n)
}
