package main

import (
	"fmt"
	"io"
)

// nearSection writes the table of BenchmarkNearHit, if it ran, with the
// client-side cache of rueidis from BenchmarkPeerHit of the same run.
func nearSection(w io.Writer, rs map[string]result) {
	if _, ok := rs["BenchmarkNearHit/items=100/near"]; !ok {
		return
	}
	fmt.Fprintln(w, "\n## Near cache")
	fmt.Fprintln(w, "\nHits through the generated wrapper with `cache.WithNearCache`: validated (`NearCache{}`: one read")
	fmt.Fprintln(w, "of the version keys, then a typed copy of the local value) and tracked (`NearCache{Tracked: true}`:")
	fmt.Fprintln(w, "Redis pushes version changes, a hit makes no round trip), beside the wrapper without it, the floor")
	fmt.Fprintln(w, "(GET + the same decode) and GET + encoding/json. rueidis is its client-side cache (`DoCache`), from")
	fmt.Fprintln(w, "the peers' table of the same run. Near bytes are the encoded sizes the near cache holds for the entry.")
	fmt.Fprintln(w, "\n| result | cachegen | validated | tracked | floor | GET + encoding/json | rueidis DoCache | near bytes | goals |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for _, n := range []string{"1", "100"} {
		get := func(name string) (result, bool) { r, ok := rs["BenchmarkNearHit/items="+n+"/"+name]; return r, ok }
		plain, ok1 := get("cachegen")
		near, ok2 := get("near")
		tracked, ok3 := get("near_tracked")
		floor, ok4 := get("floor")
		stdjson, ok5 := get("get+encoding_json")
		if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
			continue
		}
		rueidis, haveRueidis := rs["BenchmarkPeerHit/items="+n+"/rueidis-docache"]
		rueidisCell := "-"
		if haveRueidis {
			rueidisCell = dur(rueidis.ns)
		}
		var goals string
		if n == "1" {
			goals = fmt.Sprintf("tracked ≤ 2 µs: %s", verdict(tracked.ns <= 2000))
		} else {
			goals = fmt.Sprintf("validated ≥ 3x GET + encoding/json (%.1fx): %s", stdjson.ns/near.ns, verdict(stdjson.ns/near.ns >= 3))
			if haveRueidis {
				goals += fmt.Sprintf("; tracked ≤ rueidis: %s", verdict(tracked.ns <= rueidis.ns))
			}
		}
		fmt.Fprintf(w, "| %s item(s) | %s | %s | %s | %s | %s | %s | %s | %s |\n", n, dur(plain.ns), dur(near.ns), dur(tracked.ns),
			dur(floor.ns), dur(stdjson.ns), rueidisCell, kb(near.metrics["near-bytes"]), goals)
	}
}
