package cache

import (
	"context"
	"sync/atomic"
	"time"
)

// EventKind says what happened in an [Event].
type EventKind int

// The kinds of [Event].
const (
	// EventHit: a read was served from the cache: from the store, or from
	// the result this process had just loaded under the same versions.
	EventHit EventKind = iota + 1
	// EventMiss: a read went to the repository and its result is stored
	// (after the callers have it).
	EventMiss
	// EventBypass: a read went to the repository without the cache, because
	// the cache is disabled or the store failed (an EventError precedes it,
	// one per failed read of the store, which concurrent callers may share).
	EventBypass
	// EventInvalidate: namespaces were invalidated (Err is set if that failed).
	EventInvalidate
	// EventError: the store or the codec failed; the call went on without it.
	EventError
	// EventRefresh: a hit near the end of an entry's TTL reloaded it in
	// the background and stored the new entry (see [Method.Refresh]); Load
	// is the load's time. No caller waited for it.
	EventRefresh
)

// String returns the kind's name: hit, miss, bypass, invalidate, error or
// refresh.
func (k EventKind) String() string {
	switch k {
	case EventHit:
		return "hit"
	case EventMiss:
		return "miss"
	case EventBypass:
		return "bypass"
	case EventInvalidate:
		return "invalidate"
	case EventError:
		return "error"
	case EventRefresh:
		return "refresh"
	}
	return "unknown"
}

// Event describes one thing the cache did, for an [Observer].
//
// The Op of an error event names the step that failed: get (the read of
// the versions and the entry, or a version key holding a foreign value),
// init (creating version keys), set (storing an entry), delete (deleting an
// entry whose read timed out), decode, encode, size (an entry over
// [WithMaxEntrySize], not stored), type (a concurrent load of the same key
// returned another type), load (a load that panicked or called
// runtime.Goexit after every caller had left, or a refresh's load that
// panicked), refresh (taking the claim on an early refresh), set-version (Redis refused
// a version key and the cache deleted it instead), breaker-open and
// breaker-closed when a circuit breaker changes state, or full when Redis
// starts refusing the cache's writes for lack of memory (OOM: maxmemory
// reached under noeviction). A full event comes once per run of refusals
// (again only after a minute without any), beside the fault of each
// refused write.
type Event struct {
	Kind       EventKind
	Method     string   // "Iface.Method"; empty for Cache.Invalidate
	Namespaces []string // the namespaces involved, as declared: a template ("book:{id}"), not the member; for Cache.InvalidateMember, the family; do not modify
	Key        string   // the entry key, for reads
	Node       string   // for breaker-open and breaker-closed: the Redis Cluster master; empty for a single Redis
	Op         string   // for errors: the step that failed (see above); for invalidations: "retry" in the background, "close" in Close's last attempt
	Err        error    // for errors and failed invalidations
	// Load is, on a miss, how long the repository call took. Callers that
	// shared another caller's call (one key, one process, at once) report
	// misses with a zero Load, so that each call is counted once.
	Load time.Duration
}

// Observer receives every [Event]. It is called synchronously, on the
// goroutine that did the work: the caller's, or one of the cache's own for
// a load shared by several callers and for background retries. It must be
// fast and safe for concurrent use.
type Observer func(ctx context.Context, e Event)

// Status is what the cache did for one call, as reported to a [Recorder].
type Status int32

// The statuses a [Recorder] reports.
const (
	StatusNone   Status = iota // no cached method ran
	StatusHit                  // served from the cache
	StatusMiss                 // loaded from the repository and stored
	StatusBypass               // loaded from the repository, cache not used
)

// String returns hit, miss, bypass or none.
func (s Status) String() string {
	switch s {
	case StatusHit:
		return "hit"
	case StatusMiss:
		return "miss"
	case StatusBypass:
		return "bypass"
	}
	return "none"
}

// Recorder tells a caller what the cache did for the calls made with its
// context, for example to set X-Cache and Cache-Control response headers.
type Recorder struct {
	status atomic.Int32
	ttl    atomic.Int64
}

// Status returns the status of the last cached call made with the context.
func (r *Recorder) Status() Status { return Status(r.status.Load()) }

// TTL returns the TTL declared for the method of the last cached call made
// with the context (zero when the cache is nil).
func (r *Recorder) TTL() time.Duration { return time.Duration(r.ttl.Load()) }

type recorderKey struct{}

// Record returns a context that records into the returned [Recorder] what the
// cache does for calls made with it.
func Record(ctx context.Context) (context.Context, *Recorder) {
	r := new(Recorder)
	return context.WithValue(ctx, recorderKey{}, r), r
}

func record(ctx context.Context, m *Method, s Status) {
	if r, ok := ctx.Value(recorderKey{}).(*Recorder); ok {
		var ttl time.Duration
		if m != nil {
			ttl = m.ttl
		}
		r.ttl.Store(int64(ttl))
		r.status.Store(int32(s))
	}
}
