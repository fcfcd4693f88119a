package cache

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// breakerStore is a Store behind circuit breakers: one for the whole store
// or, when the store spreads keys over several servers (the masters of a
// Redis Cluster), one per server, so that a failing master is skipped while
// the others keep serving, and their successes do not hide its failures.
type breakerStore struct {
	next       Store
	nodeOf     func(key string) string // the server of a key; nil: one breaker
	newBreaker func(node string) *breaker

	one   *breaker            // the breaker when nodeOf is nil
	mu    sync.RWMutex        // guards nodes
	nodes map[string]*breaker // by server, created on first use
}

// newBreakerStore puts next behind breakers made by newBreaker; nodeOf, if
// not nil, names the server of a key.
func newBreakerStore(next Store, nodeOf func(string) string, newBreaker func(node string) *breaker) *breakerStore {
	s := &breakerStore{next: next, nodeOf: nodeOf, newBreaker: newBreaker}
	if nodeOf == nil {
		s.one = newBreaker("")
	} else {
		s.nodes = map[string]*breaker{}
	}
	return s
}

// of returns the breaker of a server.
func (s *breakerStore) of(node string) *breaker {
	s.mu.RLock()
	b := s.nodes[node]
	s.mu.RUnlock()
	if b != nil {
		return b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if b = s.nodes[node]; b == nil {
		b = s.newBreaker(node)
		s.nodes[node] = b
	}
	return b
}

// only returns the breaker of the one server holding every key, or nil when
// the keys are on several.
func (s *breakerStore) only(keys []string) *breaker {
	if s.nodeOf == nil {
		return s.one
	}
	node, tag := s.nodeOf(keys[0]), hashTag(keys[0])
	for _, k := range keys[1:] {
		if hashTag(k) != tag && s.nodeOf(k) != node {
			return nil
		}
	}
	return s.of(node)
}

// run calls f, which uses keys, unless a breaker of their servers is open.
func (s *breakerStore) run(ctx context.Context, keys []string, f func() error) error {
	if b := s.only(keys); b != nil {
		ok, probe := b.allow()
		if !ok {
			return ErrCircuitOpen
		}
		err := f()
		b.record(ctx, err, probe)
		return err
	}
	return s.across(ctx, keys, f)
}

// across is run for keys on several servers: every server's breaker must
// allow the call, and a failure counts against the servers that failed
// when the store names them (see failedKeys), else against all.
func (s *breakerStore) across(ctx context.Context, keys []string, f func() error) error {
	var nodes []string
	for _, k := range keys {
		if n := s.nodeOf(k); !slices.Contains(nodes, n) {
			nodes = append(nodes, n)
		}
	}
	bs := make([]*breaker, len(nodes))
	probes := make([]bool, len(nodes))
	for i, n := range nodes {
		bs[i] = s.of(n)
		ok, probe := bs[i].allow()
		if !ok {
			for j := range i {
				bs[j].release(probes[j])
			}
			return ErrCircuitOpen
		}
		probes[i] = probe
	}
	err := f()
	var failed []string // nil: all
	var fk *failedKeys
	if errors.As(err, &fk) {
		failed = []string{}
		for _, k := range fk.keys {
			failed = append(failed, s.nodeOf(k))
		}
	}
	for i, b := range bs {
		if failed != nil && !slices.Contains(failed, nodes[i]) {
			b.record(ctx, nil, probes[i]) // its part succeeded
			continue
		}
		b.record(ctx, err, probes[i])
	}
	return err
}

// failedKeys is a store error naming keys whose server failed, when a call
// spanning several servers failed on some of them only.
type failedKeys struct {
	keys []string // one key per failed part
	err  error
}

func (e *failedKeys) Error() string { return e.err.Error() }
func (e *failedKeys) Unwrap() error { return e.err }

// Get is written out, without run's closure, as it is on every read.
func (s *breakerStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	if b := s.only(keys); b != nil {
		ok, probe := b.allow()
		if !ok {
			return nil, ErrCircuitOpen
		}
		vals, err := s.next.Get(ctx, keys)
		b.record(ctx, err, probe)
		return vals, err
	}
	return s.getAcross(ctx, keys)
}

// getAcross is Get for keys on several servers, apart so that its closure
// costs nothing on the path of one server.
func (s *breakerStore) getAcross(ctx context.Context, keys []string) (vals [][]byte, err error) {
	err = s.across(ctx, keys, func() (err error) { vals, err = s.next.Get(ctx, keys); return err })
	return vals, err
}

func (s *breakerStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return s.run(ctx, []string{key}, func() error { return s.next.Set(ctx, key, value, ttl) })
}

func (s *breakerStore) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	return s.run(ctx, keys, func() error { return s.next.SetVersions(ctx, keys, values, ttls) })
}

func (s *breakerStore) Delete(ctx context.Context, keys []string) error {
	return s.run(ctx, keys, func() error { return s.next.Delete(ctx, keys) })
}

func (s *breakerStore) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) (cur []string, err error) {
	err = s.run(ctx, keys, func() error { cur, err = s.next.InitVersions(ctx, keys, values, ttls); return err })
	return cur, err
}
