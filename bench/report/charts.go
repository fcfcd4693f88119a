package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// The charts, by file name (in the -charts directory), and what each draws.
const (
	chartHit      = "hit-latency.svg"
	chartStale    = "stale-reads.svg"
	chartInval    = "invalidation.svg"
	chartHitRate  = "hit-rate.svg"
	chartSeedRows = "seed-table.svg"
)

// charts are the charts written, by file name, for the Markdown to link.
type charts map[string]bool

// link writes a Markdown image of the chart name, if it was written.
func (c charts) link(w io.Writer, name, alt string) {
	if c[name] {
		fmt.Fprintf(w, "\n![%s](charts/%s)\n", alt, name)
	}
}

// writeCharts draws, into dir, the charts whose benchmarks ran, and the
// seed table's chart when seed (the output of example/cmd/seedtable) has
// its table. It returns the charts written.
func writeCharts(dir string, rs map[string]result, seed string) (charts, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	written := charts{}
	for _, c := range []struct {
		name string
		draw func(map[string]result, string) (*plot.Plot, vg.Length, vg.Length, error)
	}{
		{chartHit, hitChart},
		{chartStale, staleChart},
		{chartInval, invalidationChart},
		{chartHitRate, hitRateChart},
		{chartSeedRows, seedChart},
	} {
		p, width, height, err := c.draw(rs, seed)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		if p == nil {
			continue // its benchmarks did not run
		}
		if err := p.Save(width, height, filepath.Join(dir, c.name)); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
		written[c.name] = true
	}
	return written, nil
}

// clampLog is a log scale on which values at or below the axis' minimum
// sit at the minimum, so that bars, which start at zero, can be drawn on it.
type clampLog struct{}

// Normalize implements plot.Normalizer.
func (clampLog) Normalize(min, max, x float64) float64 {
	return plot.LogScale{}.Normalize(min, max, math.Max(x, min))
}

// logRange sets axis a to a log scale spanning the powers of ten around
// the positive values vs.
func logRange(a *plot.Axis, vs []float64) {
	lo, hi := math.Inf(1), 0.0
	for _, v := range vs {
		if v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if hi == 0 {
		lo, hi = 1, 10
	}
	a.Scale = clampLog{}
	a.Tick.Marker = plot.LogTicks{Prec: -1}
	a.Min = math.Pow(10, math.Floor(math.Log10(lo)))
	a.Max = math.Pow(10, math.Ceil(math.Log10(hi)))
	if a.Max <= a.Min {
		a.Max = a.Min * 10
	}
}

// newPlot returns a plot with a title and the legend at the top right.
func newPlot(title string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Legend.Top = true
	return p
}

// groupedBars adds one bar series per label of series, values[i][j] being
// series i's value at category j, grouped around each category.
func groupedBars(p *plot.Plot, series []string, values [][]float64, horizontal bool, barWidth vg.Length) error {
	n := len(series)
	for i, label := range series {
		b, err := plotter.NewBarChart(plotter.Values(values[i]), barWidth)
		if err != nil {
			return err
		}
		b.Horizontal = horizontal
		b.Color = plotutil.Color(i)
		b.LineStyle.Width = 0
		b.Offset = barWidth * vg.Length(float64(i)-float64(n-1)/2)
		if horizontal {
			b.Offset = -b.Offset // the first series on top
		}
		p.Add(b)
		p.Legend.Add(label, b)
	}
	return nil
}

// peerHitNames returns the caches with both hit benchmarks of bench/peers.
func peerHitNames(rs map[string]result) []string {
	var names []string
	for _, n := range peerNames(rs) {
		_, ok1 := rs["BenchmarkPeerHit/items=1/"+n]
		_, ok2 := rs["BenchmarkPeerHit/items=100/"+n]
		if ok1 && ok2 {
			names = append(names, n)
		}
	}
	return names
}

// reversed returns a copy of s in reverse order: a nominal Y axis counts
// upwards, so the first name is drawn at the top.
func reversed[T any](s []T) []T {
	out := make([]T, len(s))
	for i, v := range s {
		out[len(s)-1-i] = v
	}
	return out
}

// hitChart draws the hit latency of each cache of bench/peers at 1 and 100
// items, in µs on a log scale.
func hitChart(rs map[string]result, _ string) (*plot.Plot, vg.Length, vg.Length, error) {
	names := peerHitNames(rs)
	if len(names) == 0 {
		return nil, 0, 0, nil
	}
	names = reversed(names)
	values := make([][]float64, 2)
	var all []float64
	for i, items := range []string{"1", "100"} {
		for _, n := range names {
			v := rs["BenchmarkPeerHit/items="+items+"/"+n].ns / 1e3
			values[i] = append(values[i], v)
			all = append(all, v)
		}
	}
	p := newPlot("Hit latency, cachegen beside other Go caches (bench/peers)")
	p.X.Label.Text = "µs per hit (log scale; less is better)"
	if err := groupedBars(p, []string{"1 item", "100 items"}, values, true, vg.Points(7)); err != nil {
		return nil, 0, 0, err
	}
	p.NominalY(names...)
	logRange(&p.X, all)
	p.Legend.Left = false
	return p, 7 * vg.Inch, vg.Length(1.2+0.3*float64(len(names))) * vg.Inch, nil
}

// staleChart draws the share of stale reads of each cache in the race
// harness of bench/peers.
func staleChart(rs map[string]result, _ string) (*plot.Plot, vg.Length, vg.Length, error) {
	var names []string
	var shares plotter.Values
	for _, n := range peerNames(rs) {
		if r, ok := rs["BenchmarkPeerStale/"+n]; ok {
			names, shares = append(names, n), append(shares, r.metrics["stale-%"])
		}
	}
	if len(names) == 0 {
		return nil, 0, 0, nil
	}
	names, shares = reversed(names), reversed(shares)
	p := newPlot("Stale reads in the race harness (bench/peers)")
	p.X.Label.Text = "% of reads older than a write that had returned (less is better)"
	b, err := plotter.NewBarChart(shares, vg.Points(12))
	if err != nil {
		return nil, 0, 0, err
	}
	b.Horizontal = true
	b.Color = plotutil.Color(0)
	b.LineStyle.Width = 0
	p.Add(b)
	xys := make(plotter.XYs, len(shares))
	labels := make([]string, len(shares))
	for i, v := range shares {
		xys[i] = plotter.XY{X: v, Y: float64(i)}
		labels[i] = fmt.Sprintf(" %.2f%%", v)
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return nil, 0, 0, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].YAlign = -0.5
	}
	p.Add(l)
	p.NominalY(names...)
	p.X.Min = 0
	p.X.Max = math.Max(1, slices.Max(shares)*1.15)
	return p, 7 * vg.Inch, vg.Length(1.2+0.3*float64(len(names))) * vg.Inch, nil
}

// invalidationChart draws the cost of invalidating a namespace against the
// number of its entries, for cachegen, SCAN+UNLINK and fastapi-cache2's
// KEYS in Lua, on log scales.
func invalidationChart(rs map[string]result, _ string) (*plot.Plot, vg.Length, vg.Length, error) {
	p := newPlot("Invalidating a namespace")
	p.X.Label.Text = "entries in the namespace"
	p.Y.Label.Text = "ms per invalidation (log scale)"
	var all []float64
	var xs []float64
	drawn := 0
	for i, s := range []struct{ sub, label string }{
		{"cachegen", "cachegen (SET of the version key)"},
		{"scan+unlink", "SCAN + UNLINK"},
		{"keys-in-lua", "fastapi-cache2: KEYS in Lua"},
	} {
		var pts plotter.XYs
		for _, n := range []int{10000, 100000} {
			if r, ok := rs[fmt.Sprintf("BenchmarkInvalidate/entries=%d/%s", n, s.sub)]; ok {
				pts = append(pts, plotter.XY{X: float64(n), Y: r.ns / 1e6})
				all, xs = append(all, r.ns/1e6), append(xs, float64(n))
			}
		}
		if len(pts) == 0 {
			continue
		}
		line, points, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, 0, 0, err
		}
		line.Color = plotutil.Color(i)
		points.Color = plotutil.Color(i)
		points.Shape = plotutil.Shape(i)
		p.Add(line, points)
		p.Legend.Add(s.label, line, points)
		drawn++
	}
	if drawn == 0 {
		return nil, 0, 0, nil
	}
	logRange(&p.Y, all)
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Min, p.X.Max = slices.Min(xs)/2, slices.Max(xs)*2
	p.Legend.Top = false
	p.Legend.Left = false
	p.Legend.YOffs = vg.Points(30)
	return p, 6 * vg.Inch, 4 * vg.Inch, nil
}

// hitRateChart draws the hit rate of reads under writes, whole namespace
// against per entity (BenchmarkHitRate).
func hitRateChart(rs map[string]result, _ string) (*plot.Plot, vg.Length, vg.Length, error) {
	shares := []string{"0%", "1%", "10%"}
	values := make([][]float64, 2)
	for i, scheme := range []string{"whole", "entity"} {
		for _, s := range shares {
			r, ok := rs["BenchmarkHitRate/writes="+s+"/"+scheme]
			if !ok {
				return nil, 0, 0, nil
			}
			values[i] = append(values[i], r.metrics["hits/read"])
		}
	}
	p := newPlot("Hit rate of reads under writes (BenchmarkHitRate, 1,000 items, Zipf)")
	p.X.Label.Text = "share of operations that are writes"
	p.Y.Label.Text = "hits per read (more is better)"
	if err := groupedBars(p, []string{"namespace=items (whole)", "namespace=item:{id} (per entity)"}, values, false, vg.Points(28)); err != nil {
		return nil, 0, 0, err
	}
	p.NominalX(shares...)
	p.Y.Min, p.Y.Max = 0, 1.25
	return p, 6 * vg.Inch, 4 * vg.Inch, nil
}

// seedRow is a row of seedtable's table of the seed's rows: its scenario and
// a figure in ms per column.
type seedRow struct {
	scenario string
	ms       []float64
}

var msCell = regexp.MustCompile(`^~?([\d,]+(?:\.\d+)?) ms`)

// parseSeedTable reads the table under "### The seed's table" in the output
// of example/cmd/seedtable: the columns' names, and each row's figures.
func parseSeedTable(seed string) ([]string, []seedRow) {
	_, section, ok := strings.Cut(seed, "### The seed's table")
	if !ok {
		return nil, nil
	}
	var header []string
	var rows []seedRow
	for _, line := range strings.Split(section, "\n") {
		if strings.HasPrefix(line, "###") {
			break
		}
		if !strings.HasPrefix(line, "|") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if header == nil {
			header = cells[1:]
			continue
		}
		r := seedRow{scenario: cells[0]}
		for _, c := range cells[1:] {
			m := msCell.FindStringSubmatch(c)
			if m == nil {
				return nil, nil
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", ""), 64)
			if err != nil {
				return nil, nil
			}
			r.ms = append(r.ms, v)
		}
		if len(r.ms) != len(header) {
			return nil, nil
		}
		rows = append(rows, r)
	}
	return header, rows
}

// seedChart draws seedtable's table of the seed's rows: the seed's columns
// beside ours, in ms on a log scale.
func seedChart(_ map[string]result, seed string) (*plot.Plot, vg.Length, vg.Length, error) {
	header, rows := parseSeedTable(seed)
	if len(rows) == 0 {
		return nil, 0, 0, nil
	}
	rows = reversed(rows)
	values := make([][]float64, len(header))
	var all []float64
	for i := range header {
		for _, r := range rows {
			values[i] = append(values[i], r.ms[i])
			all = append(all, r.ms[i])
		}
	}
	scenarios := make([]string, len(rows))
	for i, r := range rows {
		scenarios[i] = r.scenario
	}
	p := newPlot("The seed's table: the seed's figures beside seedtable's (example/)")
	p.X.Label.Text = "ms (log scale; less is better)"
	if err := groupedBars(p, header, values, true, vg.Points(9)); err != nil {
		return nil, 0, 0, err
	}
	p.NominalY(scenarios...)
	logRange(&p.X, all)
	p.Legend.Left = false
	p.Legend.Top = true
	// Room for the legend above the top group.
	p.Y.Max = float64(len(rows)) + 0.6
	return p, 8 * vg.Inch, vg.Length(2.5+0.5*float64(len(rows))) * vg.Inch, nil
}
