package cache

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// DefaultPrefix starts every key unless [WithPrefix] says otherwise.
const DefaultPrefix = "cachegen"

// Cache holds the store and settings shared by the generated wrappers of a
// process. It is safe for concurrent use. A nil *Cache caches nothing: the
// wrappers call the repository directly.
type Cache struct {
	store    Store
	prefix   string
	codec    Codec
	logger   *slog.Logger
	observer Observer
	disabled bool
	group    singleflight.Group

	compression   Compression // see WithCompression
	compressAbove int

	breakerFailures int
	breakerCooldown time.Duration
	dirty           dirtySet
	closed          chan struct{}
	closeOnce       sync.Once
}

// Option configures a [Cache].
type Option func(*Cache)

// WithPrefix sets the prefix of every key (default "cachegen"). Processes
// that share a Redis share entries only under the same prefix.
func WithPrefix(p string) Option { return func(c *Cache) { c.prefix = p } }

// WithCodec sets the codec of entries (default [JSON]).
func WithCodec(codec Codec) Option { return func(c *Cache) { c.codec = codec } }

// WithLogger sets the logger for store and codec faults (default
// slog.Default()); faults are logged at level Warn.
func WithLogger(l *slog.Logger) Option { return func(c *Cache) { c.logger = l } }

// WithObserver sets a function called for every hit, miss, bypass,
// invalidation and fault, for metrics and tracing.
func WithObserver(o Observer) Option { return func(c *Cache) { c.observer = o } }

// WithDisabled turns reads from the cache off when disabled is true: every
// read goes to the repository. Writes still invalidate, so that other
// processes sharing the store never serve data older than a write.
func WithDisabled(disabled bool) Option { return func(c *Cache) { c.disabled = disabled } }

// WithBreaker sets the circuit breaker in front of the store: after failures
// consecutive store errors it opens, and reads and writes skip the store (the
// reads go to the repository) until cooldown has passed; then one call probes
// the store and closes the breaker if it succeeds. The default is 5 failures
// and 500ms; failures <= 0 turns the breaker off.
func WithBreaker(failures int, cooldown time.Duration) Option {
	return func(c *Cache) { c.breakerFailures, c.breakerCooldown = failures, cooldown }
}

// New returns a Cache over store. It panics if the prefix is not a valid name
// (see [ValidateName]), the codec's name is not letters and digits or the
// compression is not one of this package's, as all are programming errors.
func New(store Store, opts ...Option) *Cache {
	c := &Cache{store: store, prefix: DefaultPrefix, codec: JSON, logger: slog.Default(),
		breakerFailures: DefaultBreakerFailures, breakerCooldown: DefaultBreakerCooldown,
		closed: make(chan struct{})}
	for _, o := range opts {
		o(c)
	}
	if err := ValidateName(c.prefix); err != nil {
		panic(fmt.Sprintf("cache.New: invalid prefix: %v", err))
	}
	if !validCodecName(c.codec.Name()) {
		panic(fmt.Sprintf("cache.New: codec name %q must be letters and digits", c.codec.Name()))
	}
	if c.compression > Zstd {
		panic(fmt.Sprintf("cache.New: unknown %v", c.compression))
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if c.breakerFailures > 0 {
		c.store = &breakerStore{next: c.store, b: &breaker{
			threshold: c.breakerFailures, cooldown: c.breakerCooldown, now: time.Now,
			onChange: c.breakerChanged,
		}}
	}
	return c
}

func (c *Cache) breakerChanged(open bool, err error) {
	ctx := context.Background()
	if open {
		c.emit(ctx, Event{Kind: EventError, Op: "breaker-open", Err: err})
		c.logger.WarnContext(ctx, "cachegen: store failing, circuit open: calls skip it", "cooldown", c.breakerCooldown, "err", err)
		return
	}
	c.emit(ctx, Event{Kind: EventError, Op: "breaker-closed"})
	c.logger.InfoContext(ctx, "cachegen: store answering again, circuit closed")
}

// Close stops the background retries of lost invalidations. The Cache
// stays usable.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return nil
}

func validCodecName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return false
		}
	}
	return true
}

// Prefix returns the key prefix.
func (c *Cache) Prefix() string { return c.prefix }

// versionKey returns the key of namespace ns's version token.
func (c *Cache) versionKey(ns string) string {
	return c.prefix + ":{" + ns + "}:v"
}

// Invalidate makes every entry of the namespaces stale, in one round trip,
// whatever their number: it sets each namespace's version key to a fresh
// random token. It is the manual counterpart of //cache:invalidate.
//
// When the store fails, the error is returned and the invalidation is not
// lost: the namespaces are dirty in this process (its reads of them bypass
// the cache) and a background goroutine retries, 50ms then doubling up to
// 1s apart, until the store takes it.
func (c *Cache) Invalidate(ctx context.Context, namespaces ...string) error {
	if c == nil || len(namespaces) == 0 {
		return nil
	}
	keys := make([]string, len(namespaces))
	for i, ns := range namespaces {
		if err := ValidateName(ns); err != nil {
			return fmt.Errorf("cache: invalid namespace: %w", err)
		}
		keys[i] = c.versionKey(ns)
	}
	return c.invalidate(ctx, "", namespaces, keys)
}

func (c *Cache) invalidate(ctx context.Context, method string, namespaces, keys []string) error {
	before := c.dirty.snapshot(namespaces)
	err := c.store.SetVersions(ctx, keys, newTokens(len(keys)))
	c.emit(ctx, Event{Kind: EventInvalidate, Method: method, Namespaces: namespaces, Err: err})
	if err != nil {
		c.logger.WarnContext(ctx, "cachegen: invalidation failed; retrying in the background", "method", method, "namespaces", namespaces, "err", err)
		if c.dirty.mark(namespaces) {
			go c.retryInvalidations()
		}
		return fmt.Errorf("cache: invalidate %v: %w", namespaces, err)
	}
	c.dirty.clean(before)
	return nil
}

// fault reports a store or codec failure to the observer and the logger.
func (c *Cache) fault(ctx context.Context, m *Method, key, op string, err error) {
	c.emit(ctx, Event{Kind: EventError, Method: m.name, Namespaces: m.namespaces, Key: key, Op: op, Err: err})
	c.logger.WarnContext(ctx, "cachegen: cache fault, calling the repository", "method", m.name, "op", op, "key", key, "err", err)
}

func (c *Cache) emit(ctx context.Context, e Event) {
	if c.observer != nil {
		c.observer(ctx, e)
	}
}

// newTokens returns n fresh random version tokens of 16 hex digits.
func newTokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = newToken()
	}
	return out
}

func newToken() string {
	return fmt.Sprintf("%016x", rand.Uint64())
}

// validToken reports whether a version value read from the store is one this
// package could have written, so it is safe inside an entry header.
func validToken(b []byte) bool {
	if len(b) == 0 || len(b) > 64 {
		return false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
