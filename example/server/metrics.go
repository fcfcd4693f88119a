package server

import (
	"net/http"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/otelcache"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// prometheusObserver returns a cache observer whose metrics the returned
// handler serves in Prometheus's text format: otelcache's instruments, read
// by OpenTelemetry's Prometheus exporter from a registry of the App's own.
func prometheusObserver() (cache.Observer, http.Handler, error) {
	reg := prometheus.NewRegistry()
	exporter, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, err
	}
	obs, err := otelcache.New(otelcache.WithMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter))))
	if err != nil {
		return nil, nil, err
	}
	return obs, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), nil
}
