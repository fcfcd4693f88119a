package cache

import (
	"context"
	"time"
)

// Store is the storage behind a [Cache]. [NewRedisStore] and
// [NewMemoryStore] implement it; tests may wrap one to inject faults.
type Store interface {
	// Get returns the value of each key, nil where the key does not exist.
	// Implementations answer in one round trip. Callers must not modify the
	// returned bytes, and implementations must not modify or reuse them
	// afterwards: the cache may keep them (the near cache, reads shared by
	// concurrent callers). Get must not keep keys after it returns: the
	// cache reuses the slice.
	Get(ctx context.Context, keys []string) ([][]byte, error)

	// Set stores value under key; a ttl of zero means no expiry.
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error

	// SetVersions sets every key to the value at the same index, with the
	// TTL at the same index (none when ttls is nil or the TTL is zero), in
	// one round trip.
	SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error

	// InitVersions sets every key that does not exist to the value at the same
	// index (SET NX), with the TTL at the same index as SetVersions does, then
	// returns each key's current value, in one round trip.
	InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) ([]string, error)

	// Delete removes the keys that exist, in one round trip.
	Delete(ctx context.Context, keys []string) error
}

// ttlAt returns the TTL at index i of ttls, zero when ttls is nil.
func ttlAt(ttls []time.Duration, i int) time.Duration {
	if ttls == nil {
		return 0
	}
	return ttls[i]
}
