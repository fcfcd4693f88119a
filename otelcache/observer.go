package otelcache

import (
	"context"
	"sync"

	"github.com/cachegen/cachegen/cache"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// scope names the instrumentation scope of the meter.
const scope = "github.com/cachegen/cachegen/otelcache"

// Attribute keys.
const (
	keyMethod     = attribute.Key("cachegen.method")
	keyNamespace  = attribute.Key("cachegen.namespace")
	keyNamespaces = attribute.Key("cachegen.namespaces")
	keyOp         = attribute.Key("cachegen.op")
	keyError      = attribute.Key("cachegen.error")
	keyLoad       = attribute.Key("cachegen.load.duration")
)

// loadBuckets are the histogram's bounds, in seconds: 1 ms to 10 s.
var loadBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Option configures [New].
type Option func(*config)

type config struct {
	meters metric.MeterProvider
}

// WithMeterProvider sets where the metrics go (default: otel.GetMeterProvider()).
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(c *config) { c.meters = mp }
}

// observer holds the instruments and the attribute sets already built.
type observer struct {
	hits, misses, bypasses, invalidations, faults metric.Int64Counter
	load                                          metric.Float64Histogram
	sets                                          sync.Map // labels -> metric.MeasurementOption
}

// labels are the attributes of one data point.
type labels struct {
	method, namespace, op string
}

// New returns a [cache.Observer] that records every event of a cache as
// metrics and span events (see the package documentation). It fails only
// when the meter provider refuses an instrument.
func New(opts ...Option) (cache.Observer, error) {
	cfg := config{meters: otel.GetMeterProvider()}
	for _, o := range opts {
		o(&cfg)
	}
	m := cfg.meters.Meter(scope)
	o := &observer{}
	var err error
	counter := func(name, unit, desc string) metric.Int64Counter {
		if err != nil {
			return nil
		}
		var c metric.Int64Counter
		c, err = m.Int64Counter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		return c
	}
	o.hits = counter("cachegen.hits", "{call}", "Reads served from the cache.")
	o.misses = counter("cachegen.misses", "{call}", "Reads that called the repository and stored the result.")
	o.bypasses = counter("cachegen.bypasses", "{call}", "Reads that called the repository without the cache.")
	o.invalidations = counter("cachegen.invalidations", "{namespace}", "Namespaces invalidated, failed or not.")
	o.faults = counter("cachegen.faults", "{fault}", "Store and codec failures; the calls went on without the cache.")
	if err != nil {
		return nil, err
	}
	o.load, err = m.Float64Histogram("cachegen.load.duration", metric.WithUnit("s"),
		metric.WithDescription("Repository calls made on a miss."), metric.WithExplicitBucketBoundaries(loadBuckets...))
	if err != nil {
		return nil, err
	}
	return o.observe, nil
}

// observe is the cache.Observer.
func (o *observer) observe(ctx context.Context, e cache.Event) {
	home := labels{method: e.Method}
	if len(e.Namespaces) > 0 {
		home.namespace = e.Namespaces[0]
	}
	switch e.Kind {
	case cache.EventHit:
		o.hits.Add(ctx, 1, o.attrs(home))
	case cache.EventMiss:
		o.misses.Add(ctx, 1, o.attrs(home))
		if e.Load > 0 {
			o.load.Record(ctx, e.Load.Seconds(), o.attrs(home))
		}
	case cache.EventBypass:
		o.bypasses.Add(ctx, 1, o.attrs(home))
	case cache.EventInvalidate:
		for _, ns := range e.Namespaces {
			l := labels{method: e.Method, namespace: ns}
			o.invalidations.Add(ctx, 1, o.attrs(l))
			if e.Err != nil {
				l.op = "invalidate"
				o.faults.Add(ctx, 1, o.attrs(l))
			}
		}
	case cache.EventError:
		home.op = e.Op
		o.faults.Add(ctx, 1, o.attrs(home))
	}
	spanEvent(ctx, e)
}

// attrs returns the measurement option of l's attributes, built once.
func (o *observer) attrs(l labels) metric.MeasurementOption {
	if a, ok := o.sets.Load(l); ok {
		return a.(metric.MeasurementOption)
	}
	kv := make([]attribute.KeyValue, 0, 3)
	if l.method != "" {
		kv = append(kv, keyMethod.String(l.method))
	}
	if l.namespace != "" {
		kv = append(kv, keyNamespace.String(l.namespace))
	}
	if l.op != "" {
		kv = append(kv, keyOp.String(l.op))
	}
	a, _ := o.sets.LoadOrStore(l, metric.WithAttributeSet(attribute.NewSet(kv...)))
	return a.(metric.MeasurementOption)
}

// spanEvent adds e to the span of ctx, if it records.
func spanEvent(ctx context.Context, e cache.Event) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	name := "cachegen." + e.Kind.String()
	if e.Kind == cache.EventError {
		name = "cachegen.fault"
	}
	kv := make([]attribute.KeyValue, 0, 5)
	if e.Method != "" {
		kv = append(kv, keyMethod.String(e.Method))
	}
	if len(e.Namespaces) > 0 {
		kv = append(kv, keyNamespaces.StringSlice(e.Namespaces))
	}
	if e.Load > 0 {
		kv = append(kv, keyLoad.Float64(e.Load.Seconds()))
	}
	if e.Op != "" {
		kv = append(kv, keyOp.String(e.Op))
	}
	if e.Err != nil {
		kv = append(kv, keyError.String(e.Err.Error()))
	}
	span.AddEvent(name, trace.WithAttributes(kv...))
}
