// Package otelcache reports what a cachegen cache does to OpenTelemetry:
// counters of hits, misses, bypasses, invalidations and faults, a histogram
// of the repository calls that misses make, all labelled by method and
// namespace, and an event on the caller's span for each.
//
//	obs, err := otelcache.New(otelcache.WithMeterProvider(mp))
//	if err != nil { ... }
//	c := cache.New(store, cache.WithObserver(obs))
//
// It is a module of its own, so that the runtime does not depend on
// OpenTelemetry.
//
// # Metrics
//
//	cachegen.hits               counter    {call}       reads served from the cache
//	cachegen.misses             counter    {call}       reads that called the repository and stored the result
//	cachegen.bypasses           counter    {call}       reads that called the repository without the cache
//	cachegen.invalidations      counter    {namespace}  namespaces invalidated, failed or not
//	cachegen.faults             counter    {fault}      store and codec failures, by cachegen.op
//	cachegen.load.duration      histogram  s            repository calls made on a miss
//
// Attributes: cachegen.method ("Iface.Method"; absent for Cache.Invalidate
// and circuit breaker events), cachegen.namespace (a read's first
// namespace, which holds its entries; one data point per namespace for
// invalidations), and cachegen.op on faults: the step that failed as
// cache.Event's Op names it (get, set, init, decode, encode, size,
// set-version, breaker-open, breaker-closed, full for a Redis that starts
// refusing writes for lack of memory, ...), retry, and invalidate for a
// failed invalidation. With the Prometheus exporter the names become
// cachegen_hits_total, cachegen_load_duration_seconds and so on, and the
// attributes cachegen_method, cachegen_namespace and cachegen_op.
//
// # Span events
//
// When the context of a call carries a recording span, each event is added
// to it: cachegen.hit, cachegen.miss (with cachegen.load.duration in
// seconds on the miss that called the repository), cachegen.bypass,
// cachegen.invalidate and cachegen.fault (with cachegen.op and
// cachegen.error), with cachegen.method and cachegen.namespaces. Entry keys
// are left out: they hold the arguments of calls.
package otelcache
