package main

import (
	"bufio"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// result is the median, over a benchmark's runs, of each of its metrics.
type result struct {
	ns, bytes, allocs float64
	min, max          float64            // the fastest and the slowest run's ns/op
	metrics           map[string]float64 // the custom metrics (b.ReportMetric), by unit
	runs              int
	values            map[string][]float64 // every metric's values, by unit, in the order of the runs
}

var (
	line   = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+((?:\s+[-+\d.e]+ \S+)+)\s*$`)
	metric = regexp.MustCompile(`([-+\d.e]+) (\S+)`)
)

// parse reads go test -bench output, any -count, and returns each
// benchmark's result and the lines describing the machine.
func parse(r io.Reader) (map[string]result, []string, error) {
	samples := map[string]map[string][]float64{} // benchmark -> unit -> values
	var header []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		t := sc.Text()
		if strings.HasPrefix(t, "cpu:") || strings.HasPrefix(t, "goos:") || strings.HasPrefix(t, "goarch:") {
			if t = strings.Join(strings.Fields(t), " "); !slices.Contains(header, t) {
				header = append(header, t)
			}
		}
		m := line.FindStringSubmatch(t)
		if m == nil {
			continue
		}
		units := samples[m[1]]
		if units == nil {
			units = map[string][]float64{}
			samples[m[1]] = units
		}
		for _, p := range metric.FindAllStringSubmatch(m[2], -1) {
			v, err := strconv.ParseFloat(p[1], 64)
			if err == nil {
				units[p[2]] = append(units[p[2]], v)
			}
		}
	}
	out := map[string]result{}
	for name, units := range samples {
		r := result{metrics: map[string]float64{}, values: map[string][]float64{}}
		for unit, vs := range units {
			r.values[unit] = slices.Clone(vs)
			slices.Sort(vs)
			mid := vs[len(vs)/2]
			switch unit {
			case "ns/op":
				r.ns, r.min, r.max, r.runs = mid, vs[0], vs[len(vs)-1], len(vs)
			case "B/op":
				r.bytes = mid
			case "allocs/op":
				r.allocs = mid
			default:
				r.metrics[unit] = mid
			}
		}
		out[name] = r
	}
	return out, header, sc.Err()
}
