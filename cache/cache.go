package cache

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"

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

// New returns a Cache over store. It panics if the prefix is not a valid name
// (see [ValidateName]) or the codec's name is not letters and digits, as
// both are programming errors.
func New(store Store, opts ...Option) *Cache {
	c := &Cache{store: store, prefix: DefaultPrefix, codec: JSON, logger: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	if err := ValidateName(c.prefix); err != nil {
		panic(fmt.Sprintf("cache.New: invalid prefix: %v", err))
	}
	if !validCodecName(c.codec.Name()) {
		panic(fmt.Sprintf("cache.New: codec name %q must be letters and digits", c.codec.Name()))
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	return c
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
	err := c.store.SetVersions(ctx, keys, newTokens(len(keys)))
	c.emit(ctx, Event{Kind: EventInvalidate, Method: method, Namespaces: namespaces, Err: err})
	if err != nil {
		c.logger.WarnContext(ctx, "cachegen: invalidation failed", "method", method, "namespaces", namespaces, "err", err)
		return fmt.Errorf("cache: invalidate %v: %w", namespaces, err)
	}
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
