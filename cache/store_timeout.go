package cache

import (
	"context"
	"time"
)

// DefaultStoreTimeout is how long a call to the store may take unless
// [WithStoreTimeout] says otherwise.
const DefaultStoreTimeout = 150 * time.Millisecond

// timeoutStore bounds every call of a Store by the caller's deadline and by
// a budget of its own. The go-redis client honours the bound when dialing,
// waiting for a pooled connection and between retries, and on the socket
// only with ContextTimeoutEnabled (which [RedisOptions] sets).
type timeoutStore struct {
	next   Store
	budget time.Duration // > 0
}

// bound returns ctx with the budget as deadline, unless ctx ends sooner.
func (s *timeoutStore) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= s.budget {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, s.budget)
}

func (s *timeoutStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.next.Get(ctx, keys)
}

func (s *timeoutStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.next.Set(ctx, key, value, ttl)
}

func (s *timeoutStore) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.next.SetVersions(ctx, keys, values, ttls)
}

func (s *timeoutStore) Delete(ctx context.Context, keys []string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.next.Delete(ctx, keys)
}

func (s *timeoutStore) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) ([]string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	return s.next.InitVersions(ctx, keys, values, ttls)
}
