package cache

import (
	"context"
	"sync"
	"time"
)

// memoryStore is an in-process [Store] with the semantics of the Redis one.
type memoryStore struct {
	mu    sync.Mutex
	items map[string]memoryItem
	now   func() time.Time
	sets  int // since the last sweep of expired items
}

// sweepEvery is how many Sets pass between two sweeps of expired items, so
// that keys never read again do not pile up.
const sweepEvery = 1024

type memoryItem struct {
	value   []byte
	expires time.Time // zero: never
}

// NewMemoryStore returns an in-process [Store] with the same semantics as the
// Redis one, TTLs included. It suits unit tests and single-process programs
// that run without Redis. Expired items are dropped when read, and swept out
// every 1024 writes.
func NewMemoryStore() Store {
	return &memoryStore{items: make(map[string]memoryItem), now: time.Now}
}

// get returns the live value of key; the caller holds s.mu.
func (s *memoryStore) get(key string) ([]byte, bool) {
	it, ok := s.items[key]
	if !ok {
		return nil, false
	}
	if !it.expires.IsZero() && !s.now().Before(it.expires) {
		delete(s.items, key)
		return nil, false
	}
	return it.value, true
}

// Get implements [Store].
func (s *memoryStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([][]byte, len(keys))
	for i, k := range keys {
		if v, ok := s.get(k); ok {
			out[i] = append([]byte(nil), v...)
		}
	}
	return out, nil
}

// Set implements [Store].
func (s *memoryStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	it := memoryItem{value: append([]byte(nil), value...)}
	if ttl > 0 {
		it.expires = s.now().Add(ttl)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[key] = it
	if s.sets++; s.sets >= sweepEvery {
		s.sets = 0
		now := s.now()
		for k, it := range s.items {
			if !it.expires.IsZero() && !now.Before(it.expires) {
				delete(s.items, k)
			}
		}
	}
	return nil
}

// SetVersions implements [Store].
func (s *memoryStore) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, k := range keys {
		s.items[k] = s.item([]byte(values[i]), ttlAt(ttls, i))
	}
	return nil
}

// item returns an item holding value for ttl (zero: no expiry).
func (s *memoryStore) item(value []byte, ttl time.Duration) memoryItem {
	it := memoryItem{value: value}
	if ttl > 0 {
		it.expires = s.now().Add(ttl)
	}
	return it
}

// Delete implements [Store].
func (s *memoryStore) Delete(ctx context.Context, keys []string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range keys {
		delete(s.items, k)
	}
	return nil
}

// InitVersions implements [Store].
func (s *memoryStore) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, len(keys))
	for i, k := range keys {
		v, ok := s.get(k)
		if !ok {
			v = []byte(values[i])
			s.items[k] = s.item(v, ttlAt(ttls, i))
		}
		out[i] = string(v)
	}
	return out, nil
}
