package cache

import (
	"context"
	"errors"
	"fmt"
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
		return s.on(ctx, b, f)
	}
	return s.across(ctx, keys, f)
}

// on calls f unless breaker b is open.
func (s *breakerStore) on(ctx context.Context, b *breaker, f func() error) error {
	ok, probe := b.allow()
	if !ok {
		return ErrCircuitOpen
	}
	err := f()
	b.record(ctx, err, probe)
	return err
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

// parts is run for a write of keys on several servers whose parts stand
// alone (version keys, deletions): the keys of the servers whose breaker
// is open are skipped, f writes the others' (given by their indexes in
// keys), and a failure counts against the servers that failed, as in
// across. When some keys were not written, the error is a *failedKeys
// naming every one of them, so that the caller knows which parts were
// delivered.
func (s *breakerStore) parts(ctx context.Context, keys []string, f func(idx []int) error) error {
	var nodes []string // the servers, in order of first appearance
	var bs []*breaker  // theirs, nil when open
	var probes []bool
	of := make([]int, len(keys)) // each key's server, an index in nodes
	for i, k := range keys {
		n := s.nodeOf(k)
		j := slices.Index(nodes, n)
		if j < 0 {
			j = len(nodes)
			nodes = append(nodes, n)
			b := s.of(n)
			ok, probe := b.allow()
			if !ok {
				b = nil
			}
			bs, probes = append(bs, b), append(probes, probe)
		}
		of[i] = j
	}
	var idx []int
	var skipped []string
	for i, j := range of {
		if bs[j] != nil {
			idx = append(idx, i)
		} else {
			skipped = append(skipped, keys[i])
		}
	}
	if len(idx) == 0 {
		return ErrCircuitOpen
	}
	err := f(idx)
	var whole *failedKeys
	if err != nil && !answered(err) && (!errors.As(err, &whole) || len(whole.keys) == len(idx)) && spansServers(of, idx) {
		// The client failed every part: go-redis from v9.17 on fails a
		// cluster pipeline's commands on every node when its context ends
		// while one node does not answer. Each server's part is then
		// written on its own, so that a failed server holds back its own
		// keys only.
		err = eachPart(of, idx, keys, f)
	}
	failed := skipped
	var fk *failedKeys
	switch {
	case err == nil:
	case errors.As(err, &fk):
		failed = append(failed, fk.keys...)
	case answered(err):
		// Redis answered every part: the caller deals with the reply.
	default:
		for _, i := range idx {
			failed = append(failed, keys[i])
		}
	}
	for j, b := range bs {
		if b == nil {
			continue
		}
		if fk != nil && !slices.ContainsFunc(fk.keys, func(k string) bool { return s.nodeOf(k) == nodes[j] }) {
			b.record(ctx, nil, probes[j]) // its part succeeded
			continue
		}
		b.record(ctx, err, probes[j])
	}
	if len(skipped) == 0 {
		return err
	}
	if err == nil {
		err = ErrCircuitOpen
	} else {
		err = fmt.Errorf("%w; %w", err, ErrCircuitOpen)
	}
	return &failedKeys{keys: failed, err: err}
}

// spansServers reports whether the keys at idx are on more than one server.
func spansServers(of, idx []int) bool {
	for _, i := range idx[1:] {
		if of[i] != of[idx[0]] {
			return true
		}
	}
	return false
}

// eachPart writes each server's part of the keys at idx with f, one call
// per server, concurrently, and returns nil, an error Redis answered with,
// or a *failedKeys naming the keys of the parts that failed.
func eachPart(of, idx []int, keys []string, f func(idx []int) error) error {
	var servers []int
	parts := map[int][]int{}
	for _, i := range idx {
		if _, ok := parts[of[i]]; !ok {
			servers = append(servers, of[i])
		}
		parts[of[i]] = append(parts[of[i]], i)
	}
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for n, j := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[n] = f(parts[j])
		}()
	}
	wg.Wait()
	var failed []string
	var all []error
	for n, j := range servers {
		e := errs[n]
		if e == nil {
			continue
		}
		all = append(all, e)
		var fk *failedKeys
		switch {
		case errors.As(e, &fk):
			failed = append(failed, fk.keys...)
		case answered(e):
		default:
			for _, i := range parts[j] {
				failed = append(failed, keys[i])
			}
		}
	}
	err := errors.Join(all...)
	if len(all) == 1 {
		err = all[0]
	}
	if len(failed) == 0 {
		return err
	}
	return &failedKeys{keys: failed, err: err}
}

// failedKeys is a store error naming keys whose server failed, when a call
// spanning several servers failed on some of them only. For a read, it
// names one key per failed part (an MGET); for a write of version keys or
// a deletion, every key not written.
type failedKeys struct {
	keys []string
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

// SetVersions sets each server's part of keys on its own when they are on
// several: a failed master holds back the invalidations of its own
// namespaces only (see parts).
func (s *breakerStore) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	if b := s.only(keys); b != nil {
		return s.on(ctx, b, func() error { return s.next.SetVersions(ctx, keys, values, ttls) })
	}
	return s.parts(ctx, keys, func(idx []int) error {
		if len(idx) == len(keys) {
			return s.next.SetVersions(ctx, keys, values, ttls)
		}
		ks, vs := make([]string, len(idx)), make([]string, len(idx))
		var ts []time.Duration
		if ttls != nil {
			ts = make([]time.Duration, len(idx))
		}
		for n, i := range idx {
			ks[n], vs[n] = keys[i], values[i]
			if ts != nil {
				ts[n] = ttlAt(ttls, i)
			}
		}
		return s.next.SetVersions(ctx, ks, vs, ts)
	})
}

// Delete deletes each server's part of keys on its own when they are on
// several (see parts).
func (s *breakerStore) Delete(ctx context.Context, keys []string) error {
	if b := s.only(keys); b != nil {
		return s.on(ctx, b, func() error { return s.next.Delete(ctx, keys) })
	}
	return s.parts(ctx, keys, func(idx []int) error {
		if len(idx) == len(keys) {
			return s.next.Delete(ctx, keys)
		}
		ks := make([]string, len(idx))
		for n, i := range idx {
			ks[n] = keys[i]
		}
		return s.next.Delete(ctx, ks)
	})
}

func (s *breakerStore) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) (cur []string, err error) {
	err = s.run(ctx, keys, func() error { cur, err = s.next.InitVersions(ctx, keys, values, ttls); return err })
	return cur, err
}
