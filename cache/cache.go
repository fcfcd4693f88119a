package cache

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultPrefix starts every key unless [WithPrefix] says otherwise.
const defaultPrefix = "cachegen"

// Cache holds the store and settings shared by the generated wrappers of a
// process. It is safe for concurrent use. A nil *Cache caches nothing: the
// wrappers call the repository directly.
type Cache struct {
	// What a hit reads, side by side: fewer cache lines to bring back
	// after the round trip (BenchmarkHitCold).
	store    Store // the user's store behind the timeout and the breaker
	codec    Codec
	observer Observer
	near     *nearStore // the near cache; nil when off
	tracker  *tracker   // the near cache's versions, when tracked
	readHold time.Duration
	disabled bool
	coalesce bool      // share reads of one entry (WithReadCoalescing)
	dirty    dirtySet  // the namespaces whose invalidation failed
	reads    readGroup // the reads shared
	memo     memo      // results of recent flights (see fill)

	direct  Store // the user's store behind the timeout only
	prefix  string
	logger  *slog.Logger
	logs    *logLimiter // the logger, for warnings about faults
	flights flightGroup
	stores  storeOrder // the stores after misses, in order per entry key

	storeTimeout  time.Duration
	maxEntrySize  int
	leaseWait     time.Duration // see WithFleetLease; 0: off
	compression   Compression   // see WithCompression
	compressAbove int

	breakerFailures int
	breakerCooldown time.Duration
	closed          chan struct{} // closed by Close, to stop the retries
	closeOnce       sync.Once
	txWarning       sync.Once  // the warning of recordTx, logged once
	full            fullReport // Redis refusing writes for lack of memory
	nearTracked     bool       // WithNearCache asked for tracking
	closeErr        error      // written once by Close
	refusals        refusalLog // the refusals logged (see refusal)
	refreshes       refreshes  // the early refreshes started and running (see Method.Refresh)
}

// Option configures a [Cache].
type Option func(*Cache)

// WithPrefix sets the prefix of every key (default "cachegen"). Processes
// that share a Redis share entries only under the same prefix.
func WithPrefix(p string) Option { return func(c *Cache) { c.prefix = p } }

// WithCodec sets the codec of entries (default [JSON]).
func WithCodec(codec Codec) Option { return func(c *Cache) { c.codec = codec } }

// WithLogger sets the logger for store and codec faults (default
// slog.Default()). Faults are logged at level Warn: the first of a run at
// once, then one summary line per 10 seconds with their counts by kind, while
// they go on; changes of the circuit breaker's state are logged as they
// happen, and so is, once, a Redis that starts refusing writes for lack of
// memory. The [Observer] sees every event.
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
// and 500ms; failures <= 0 turns the breaker off. Over a Redis Cluster there
// is one breaker per master: a failing master is skipped while the others
// serve. Errors Redis replies with (OOM, WRONGTYPE) are not failures: they
// come back at once.
func WithBreaker(failures int, cooldown time.Duration) Option {
	return func(c *Cache) { c.breakerFailures, c.breakerCooldown = failures, cooldown }
}

// WithStoreTimeout bounds every call to the store (default 150ms,
// [DefaultStoreTimeout]): a call ends at the caller's deadline or after d,
// whichever comes first, and the read goes to the repository. Over a
// context that is never cancelled (context.Background), the calls made
// within d/16 of each other share one deadline and its timer: a call is
// then given from d to d+d/16. d <= 0 leaves
// only the caller's deadline. go-redis honours the bound on the socket only
// with ContextTimeoutEnabled, which [RedisOptions] and [RedisClusterOptions]
// set; without it the bound still cuts dialing, pool waits and retries short.
func WithStoreTimeout(d time.Duration) Option { return func(c *Cache) { c.storeTimeout = d } }

// DefaultMaxEntrySize is the largest entry stored unless [WithMaxEntrySize]
// says otherwise: 1 MiB.
const DefaultMaxEntrySize = 1 << 20

// WithMaxEntrySize sets the largest entry, header included, that is stored
// (default 1 MiB, [DefaultMaxEntrySize]). A larger result is returned to its
// callers, not stored, and reported as a fault (op "size"): reading tens of
// megabytes back would take longer than the store timeout. n <= 0 removes the
// limit.
func WithMaxEntrySize(n int) Option { return func(c *Cache) { c.maxEntrySize = n } }

// New returns a Cache over store. It panics if the prefix is not a valid name
// (see [ValidateName]), the codec's name is not letters and digits or the
// compression is not one of this package's, as all are programming errors.
func New(store Store, opts ...Option) *Cache {
	c := &Cache{store: store, prefix: defaultPrefix, codec: JSON, logger: slog.Default(),
		storeTimeout: DefaultStoreTimeout, maxEntrySize: DefaultMaxEntrySize, breakerFailures: DefaultBreakerFailures, breakerCooldown: DefaultBreakerCooldown,
		coalesce: true, closed: make(chan struct{})}
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
		c.logger = slog.New(discardHandler{})
	}
	c.logs = &logLimiter{logger: c.logger, every: logEvery,
		summary: "cachegen: cache faults since the last line; the calls went to the repository"}
	if w, ok := store.(interface{ optionsWarning() string }); ok {
		if msg := w.optionsWarning(); msg != "" {
			c.logger.Warn(msg)
		}
	}
	c.readHold = readHold(c.storeTimeout)
	if c.storeTimeout > 0 {
		c.store = newTimeoutStore(c.store, c.storeTimeout)
	}
	c.direct = c.store
	if c.breakerFailures > 0 {
		var nodeOf func(string) string
		if n, ok := store.(interface{ nodeFunc() func(string) string }); ok {
			nodeOf = n.nodeFunc()
		}
		c.store = newBreakerStore(c.store, nodeOf, func(node string) *breaker {
			return &breaker{node: node, threshold: c.breakerFailures, cooldown: c.breakerCooldown, now: time.Now, onChange: c.breakerChanged}
		})
	}
	if c.near != nil && c.nearTracked {
		if client := singleClient(store); client != nil {
			c.tracker = newTracker(c, client, nil)
		} else if cluster := clusterClient(store); cluster != nil {
			c.tracker = newTracker(c, nil, cluster)
		} else {
			c.logger.Warn(errNoTracking.Error())
		}
	}
	return c
}

// singleClient returns the *redis.Client of a store of NewRedisStore, or
// nil.
func singleClient(s Store) *redis.Client {
	if rs, ok := s.(*redisStore); ok {
		if client, ok := rs.client.(*redis.Client); ok {
			return client
		}
	}
	return nil
}

// clusterClient returns the *redis.ClusterClient of a store of
// NewRedisStore, or nil.
func clusterClient(s Store) *redis.ClusterClient {
	if rs, ok := s.(*redisStore); ok {
		if client, ok := rs.client.(*redis.ClusterClient); ok {
			return client
		}
	}
	return nil
}

func (c *Cache) breakerChanged(node string, open bool, err error) {
	ctx := context.Background()
	var attrs []any
	if node != "" {
		attrs = append(attrs, "node", node)
	}
	if open {
		c.emit(ctx, Event{Kind: EventError, Op: "breaker-open", Node: node, Err: err})
		c.logger.WarnContext(ctx, "cachegen: store failing, circuit open: calls skip it", append(attrs, "cooldown", c.breakerCooldown, "err", err)...)
		return
	}
	c.emit(ctx, Event{Kind: EventError, Op: "breaker-closed", Node: node})
	c.logger.InfoContext(ctx, "cachegen: store answering again, circuit closed", attrs...)
}

// Close waits, up to the store timeout (1s without one), for the entries
// of results already returned to be stored (a miss returns before its entry
// is stored) and for the early refreshes running (see [Method.Refresh]) to
// end; the loads of refreshes still running then are cancelled, and no
// refresh starts after Close. Then it makes one last attempt, bounded by the store timeout
// and not held back by the circuit breaker, to deliver the invalidations
// still waiting to be retried, and stops the background retries. It returns an error naming
// the namespaces it could not deliver, also logged at level Error: other
// processes may serve their entries from before the writes until they
// expire. Later calls return the same result. The Cache stays usable, but
// failed invalidations are no longer retried.
func (c *Cache) Close() error {
	c.closeOnce.Do(func() { c.closeErr = c.close() })
	return c.closeErr
}

func (c *Cache) close() error {
	wait := c.storeTimeout
	if wait <= 0 {
		wait = time.Second
	}
	stored, cancel := context.WithTimeout(context.Background(), wait)
	c.flights.waitStores(stored)
	c.refreshes.close(stored)
	cancel()
	if c.tracker != nil {
		c.tracker.stop()
	}
	c.dirty.stop()
	close(c.closed)
	c.dirty.retries.Wait()
	defer c.logs.flush()
	before := c.dirty.pending()
	if before == nil {
		return nil
	}
	namespaces, labels, keys, ttls := c.dirtyKeys(before)
	ctx := context.Background()
	err := c.bump(ctx, c.direct, namespaces, keys, ttls)
	c.emit(ctx, Event{Kind: EventInvalidate, Namespaces: labels, Op: "close", Err: err})
	if err == nil {
		c.dirty.clean(before)
		return nil
	}
	lost := lostParts(err, keys)
	c.dirty.clean(delivered(before, namespaces, lost))
	namespaces = pick(namespaces, lost)
	err = fmt.Errorf("cache: close: invalidations of %v not delivered: %w", namespaces, err)
	c.logger.ErrorContext(ctx, "cachegen: invalidations lost at close: other processes may serve entries from before the writes until they expire",
		"namespaces", namespaces, "err", err)
	return err
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

// versionKey returns the key of namespace ns's version token.
func (c *Cache) versionKey(ns string) string {
	return c.prefix + ":{" + ns + "}:v"
}

// Invalidate makes every entry of the namespaces stale, in one round trip,
// whatever their number: it sets each namespace's version key to a fresh
// random token. It is the manual counterpart of //cache:invalidate. Call it
// after the write has committed: it invalidates even when ctx has been
// cancelled or its deadline has passed meanwhile (ctx's values are kept, its
// cancellation is not), bounded by the store timeout ([WithStoreTimeout]).
//
// When the store fails, the error is returned and the invalidation is not
// lost: the namespaces are dirty in this process (its reads of them bypass
// the cache) and a background goroutine retries, 50ms then doubling up to
// 1s apart, until the store takes it or [Cache.Close] makes its last attempt.
// On a Redis Cluster, the masters that answer take their part at once: only
// the namespaces of a failed master are dirty, and the error names them.
//
// With a context of [BeginTx], the namespaces are invalidated again at the
// Tx's Commit, as the generated writes' are.
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
	err := c.invalidate(ctx, "", namespaces, namespaces, keys, nil)
	if t := txFrom(ctx); t != nil {
		t.add(c, namespaces, namespaces, nil) // delivered again at its Commit
	}
	return err
}

// invalidate bumps the version keys of namespaces for a write of method
// (empty for Cache.Invalidate). ctx's cancellation is dropped: the write
// may have committed. labels are the namespaces as events report them: a
// template as declared ("book:{id}"), not each member, so that metrics
// labelled by namespace do not grow with the entities written.
func (c *Cache) invalidate(ctx context.Context, method string, namespaces, labels, keys []string, ttls []time.Duration) error {
	ctx = context.WithoutCancel(ctx)
	before := c.dirty.snapshot(namespaces)
	err := c.bump(ctx, c.store, namespaces, keys, ttls)
	// This process reads its own write at once, without waiting for Redis
	// to tell it.
	c.forgetTracked(keys)
	c.emit(ctx, Event{Kind: EventInvalidate, Method: method, Namespaces: labels, Err: err})
	if err != nil {
		c.refusals.note(ctx, c, err)
		// On a cluster, the masters that answered took their part: only
		// the namespaces of the others wait for the retry.
		lost := lostParts(err, keys)
		c.dirty.clean(delivered(before, namespaces, lost))
		namespaces, labels, ttls = pick(namespaces, lost), pick(labels, lost), pick(ttls, lost)
		c.logs.warn(ctx, "invalidate", err, "cachegen: invalidation failed; retrying in the background", "method", method, "namespaces", namespaces, "err", err)
		if c.dirty.mark(namespaces, labels, ttls) {
			go c.retryInvalidations()
		}
		return fmt.Errorf("cache: invalidate %v: %w", namespaces, err)
	}
	c.dirty.clean(before)
	return nil
}

// forgetTracked drops the versions of keys the tracker knows, after this
// process changed them (a write's invalidation, or its retry): its reads
// from then on read its write without waiting for Redis to tell it.
func (c *Cache) forgetTracked(keys []string) {
	if c.tracker != nil {
		c.tracker.forget(keys...)
	}
}

// bump sets the version keys of namespaces to fresh tokens in store. When
// Redis refuses the writes (a full Redis under noeviction answers OOM) but
// deletes the keys (DEL is allowed then), the namespaces are invalidated as
// well: every process misses them, and bypasses the cache while it cannot
// create them again. The refusal is reported as a fault.
func (c *Cache) bump(ctx context.Context, store Store, namespaces, keys []string, ttls []time.Duration) error {
	err := store.SetVersions(ctx, keys, newTokens(len(keys)), ttls)
	if err == nil || !answered(err) {
		return err
	}
	if derr := store.Delete(ctx, keys); derr != nil {
		// The keys the deletion did not reach are the ones not invalidated.
		var failed []string
		for _, i := range lostParts(derr, keys) {
			failed = append(failed, keys[i])
		}
		return &failedKeys{keys: failed, err: err}
	}
	c.emit(ctx, Event{Kind: EventError, Namespaces: namespaces, Op: "set-version", Err: err})
	c.noteFull(ctx, err)
	c.logs.warn(ctx, "set-version", err, "cachegen: version keys refused (a full Redis?); deleted them instead: reads miss and bypass until they can be created again",
		"namespaces", namespaces, "err", err)
	return nil
}

// fault reports a store or codec failure to the observer and the logger.
func (c *Cache) fault(ctx context.Context, m *Method, key, op string, err error) {
	c.emit(ctx, Event{Kind: EventError, Method: m.name, Namespaces: m.namespaces, Key: key, Op: op, Err: err})
	c.refusals.note(ctx, c, err)
	c.logs.warn(ctx, op, err, "cachegen: cache fault, calling the repository", "method", m.name, "op", op, "key", key, "err", err)
	c.noteFull(ctx, err)
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
