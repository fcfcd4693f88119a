package otelcache

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
)

// failing is a store whose every call fails.
type failing struct{}

var errDown = errors.New("store down")

func (failing) Get(context.Context, []string) ([][]byte, error) { return nil, errDown }
func (failing) Set(context.Context, string, []byte, time.Duration) error {
	return errDown
}
func (failing) SetVersions(context.Context, []string, []string, []time.Duration) error {
	return errDown
}
func (failing) Delete(context.Context, []string) error { return errDown }
func (failing) InitVersions(context.Context, []string, []string, []time.Duration) ([]string, error) {
	return nil, errDown
}

// fixture is a cache observed by the adapter, with an in-memory metric
// reader and span exporter.
type fixture struct {
	t      *testing.T
	reader *sdkmetric.ManualReader
	meters *sdkmetric.MeterProvider
	spans  *tracetest.InMemoryExporter
	tracer *sdktrace.TracerProvider
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, reader: sdkmetric.NewManualReader(), spans: tracetest.NewInMemoryExporter()}
	f.meters = sdkmetric.NewMeterProvider(sdkmetric.WithReader(f.reader))
	f.tracer = sdktrace.NewTracerProvider(sdktrace.WithSyncer(f.spans))
	return f
}

func (f *fixture) cache(store cache.Store, opts ...cache.Option) *cache.Cache {
	f.t.Helper()
	obs, err := New(WithMeterProvider(f.meters))
	if err != nil {
		f.t.Fatal(err)
	}
	c := cache.New(store, append([]cache.Option{cache.WithObserver(obs), cache.WithLogger(nil)}, opts...)...)
	f.t.Cleanup(func() { c.Close() })
	return c
}

// get runs a cached read of id, as a generated wrapper does, inside a span
// named name; load takes sleep.
func get(ctx context.Context, m *cache.Method, id int64, sleep time.Duration) (string, error) {
	k := m.Key()
	k.Int(id)
	return cache.Fetch(ctx, m, k, func(context.Context) (string, error) {
		time.Sleep(sleep)
		return "book", nil
	})
}

// metrics collects the data points: sums by metric name and attributes,
// and the load histogram's counts and sums.
func (f *fixture) metrics() (sums map[string]map[attribute.Set]int64, hist map[attribute.Set]metricdata.HistogramDataPoint[float64]) {
	f.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := f.reader.Collect(context.Background(), &rm); err != nil {
		f.t.Fatal(err)
	}
	sums = map[string]map[attribute.Set]int64{}
	hist = map[attribute.Set]metricdata.HistogramDataPoint[float64]{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != scope {
			f.t.Errorf("scope %q, want %q", sm.Scope.Name, scope)
		}
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				sums[m.Name] = map[attribute.Set]int64{}
				for _, p := range d.DataPoints {
					sums[m.Name][p.Attributes] = p.Value
				}
			case metricdata.Histogram[float64]:
				if m.Name != "cachegen.load.duration" || m.Unit != "s" {
					f.t.Errorf("histogram %s in %q", m.Name, m.Unit)
				}
				for _, p := range d.DataPoints {
					hist[p.Attributes] = p
				}
			}
		}
	}
	return sums, hist
}

func set(kv ...attribute.KeyValue) attribute.Set { return attribute.NewSet(kv...) }

func TestMetrics(t *testing.T) {
	f := newFixture(t)
	c := f.cache(cache.NewMemoryStore())
	ctx := context.Background()
	get1 := c.Method("Repo.Get", time.Minute, "books", "authors")
	list := c.Method("Repo.List", time.Minute, "lists")
	write := c.Method("Repo.Put", 0, "books", "lists")

	get(ctx, get1, 1, 15*time.Millisecond) // miss
	get(ctx, get1, 1, 0)                   // hit
	get(ctx, get1, 1, 0)                   // hit
	get(ctx, list, 1, 0)                   // miss
	write.Invalidate(ctx)                  // books and lists
	c.Invalidate(ctx, "authors")           // by hand: no method

	off := f.cache(cache.NewMemoryStore(), cache.WithDisabled(true))
	get(ctx, off.Method("Repo.Get", time.Minute, "books"), 1, 0) // bypass

	sums, hist := f.metrics()
	getBooks := set(keyMethod.String("Repo.Get"), keyNamespace.String("books"))
	listLists := set(keyMethod.String("Repo.List"), keyNamespace.String("lists"))
	for _, c := range []struct {
		metric string
		attrs  attribute.Set
		want   int64
	}{
		{"cachegen.hits", getBooks, 2},
		{"cachegen.misses", getBooks, 1},
		{"cachegen.misses", listLists, 1},
		{"cachegen.bypasses", getBooks, 1},
		{"cachegen.invalidations", set(keyMethod.String("Repo.Put"), keyNamespace.String("books")), 1},
		{"cachegen.invalidations", set(keyMethod.String("Repo.Put"), keyNamespace.String("lists")), 1},
		{"cachegen.invalidations", set(keyNamespace.String("authors")), 1},
	} {
		if got := sums[c.metric][c.attrs]; got != c.want {
			t.Errorf("%s{%s} = %d, want %d (all: %v)", c.metric, c.attrs.Encoded(attribute.DefaultEncoder()), got, c.want, sums[c.metric])
		}
	}
	if n := len(sums["cachegen.faults"]); n != 0 {
		t.Errorf("faults without a fault: %v", sums["cachegen.faults"])
	}
	p, ok := hist[getBooks]
	if !ok || p.Count != 1 || p.Sum < 0.015 || p.Sum > 5 {
		t.Errorf("load histogram for Repo.Get: %+v, want one call of 15ms or more", p)
	}
	if p := hist[listLists]; p.Count != 1 {
		t.Errorf("load histogram for Repo.List: count %d, want 1", p.Count)
	}
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	c := f.cache(failing{}, cache.WithBreaker(0, 0))
	ctx := context.Background()
	m := c.Method("Repo.Get", time.Minute, "books")
	if v, err := get(ctx, m, 1, 0); v != "book" || err != nil {
		t.Fatalf("fail-open read: %q, %v", v, err)
	}
	if err := c.Invalidate(ctx, "books"); err == nil {
		t.Fatal("the invalidation did not fail")
	}
	sums, _ := f.metrics()
	getBooks := set(keyMethod.String("Repo.Get"), keyNamespace.String("books"))
	if got := sums["cachegen.faults"][set(keyMethod.String("Repo.Get"), keyNamespace.String("books"), keyOp.String("get"))]; got != 1 {
		t.Errorf("get faults = %d, want 1 (%v)", got, sums["cachegen.faults"])
	}
	if got := sums["cachegen.faults"][set(keyNamespace.String("books"), keyOp.String("invalidate"))]; got != 1 {
		t.Errorf("invalidate faults = %d, want 1 (%v)", got, sums["cachegen.faults"])
	}
	if got := sums["cachegen.bypasses"][getBooks]; got != 1 {
		t.Errorf("bypasses = %d, want 1", got)
	}
	if got := sums["cachegen.invalidations"][set(keyNamespace.String("books"))]; got != 1 {
		t.Errorf("invalidations = %d, want 1 (failed ones count)", got)
	}
}

func TestSpanEvents(t *testing.T) {
	f := newFixture(t)
	c := f.cache(cache.NewMemoryStore())
	m := c.Method("Repo.Get", time.Minute, "books")
	ctx, span := f.tracer.Tracer("test").Start(context.Background(), "GET /books/1")
	get(ctx, m, 1, 5*time.Millisecond)
	get(ctx, m, 1, 0)
	m.Invalidate(ctx)
	span.End()
	get(context.Background(), m, 2, 0) // no span: nothing recorded, no panic

	spans := f.spans.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	var names []string
	for _, e := range spans[0].Events {
		names = append(names, e.Name)
		attrs := attribute.NewSet(e.Attributes...)
		if v, _ := attrs.Value(keyMethod); v.AsString() != "Repo.Get" {
			t.Errorf("%s: method %q", e.Name, v.AsString())
		}
		if v, _ := attrs.Value(keyNamespaces); len(v.AsStringSlice()) != 1 || v.AsStringSlice()[0] != "books" {
			t.Errorf("%s: namespaces %v", e.Name, v.AsStringSlice())
		}
		if load, ok := attrs.Value(keyLoad); ok != (e.Name == "cachegen.miss") || ok && load.AsFloat64() < 0.005 {
			t.Errorf("%s: load duration %v (present %v)", e.Name, load.AsFloat64(), ok)
		}
	}
	want := []string{"cachegen.miss", "cachegen.hit", "cachegen.invalidate"}
	if len(names) != len(want) || names[0] != want[0] || names[1] != want[1] || names[2] != want[2] {
		t.Fatalf("span events %v, want %v", names, want)
	}
}

func TestFaultSpanEvent(t *testing.T) {
	f := newFixture(t)
	c := f.cache(failing{}, cache.WithBreaker(0, 0))
	ctx, span := f.tracer.Tracer("test").Start(context.Background(), "GET /books/1")
	get(ctx, c.Method("Repo.Get", time.Minute, "books"), 1, 0)
	span.End()
	events := f.spans.GetSpans()[0].Events
	if len(events) != 2 || events[0].Name != "cachegen.fault" || events[1].Name != "cachegen.bypass" {
		t.Fatalf("span events %+v, want a fault then a bypass", events)
	}
	attrs := attribute.NewSet(events[0].Attributes...)
	op, _ := attrs.Value(keyOp)
	msg, _ := attrs.Value(keyError)
	if op.AsString() != "get" || msg.AsString() != errDown.Error() {
		t.Errorf("fault event: op %q, error %q", op.AsString(), msg.AsString())
	}
}
