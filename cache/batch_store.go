package cache

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// EntrySetter is a [Store] that stores several entries in one round trip:
// the entries of a batch read's misses (see [FetchSlice]). The stores of
// [NewRedisStore] and [NewMemoryStore] implement it; a store that does not
// gets one Set per entry. A store wrapping another may implement it by
// calling the other's SetEntries when it has one.
type EntrySetter interface {
	// SetEntries stores values[i] under keys[i] for ttls[i] (zero: no
	// expiry).
	SetEntries(ctx context.Context, keys []string, values [][]byte, ttls []time.Duration) error
}

// setEach stores values[i] under keys[i] for ttls[i] in s: in one round
// trip when s can, else with one Set per key, stopping at the first
// failure.
func setEach(ctx context.Context, s Store, keys []string, values [][]byte, ttls []time.Duration) error {
	if es, ok := s.(EntrySetter); ok {
		return es.SetEntries(ctx, keys, values, ttls)
	}
	for i, k := range keys {
		if err := s.Set(ctx, k, values[i], ttls[i]); err != nil {
			return err
		}
	}
	return nil
}

// SetEntries implements [EntrySetter] with a pipeline of SETs, which
// go-redis splits per master on a cluster.
func (s *redisStore) SetEntries(ctx context.Context, keys []string, values [][]byte, ttls []time.Duration) error {
	if len(keys) == 1 {
		return s.Set(ctx, keys[0], values[0], ttls[0])
	}
	cmds, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			p.Set(ctx, k, values[i], ttls[i])
		}
		return nil
	})
	return pipelineError(err, cmds)
}

func (s *timeoutStore) SetEntries(ctx context.Context, keys []string, values [][]byte, ttls []time.Duration) error {
	ctx, b, cancel := s.bound(ctx)
	defer release(b, cancel)
	return setEach(ctx, s.next, keys, values, ttls)
}

func (s *breakerStore) SetEntries(ctx context.Context, keys []string, values [][]byte, ttls []time.Duration) error {
	return s.run(ctx, keys, func() error { return setEach(ctx, s.next, keys, values, ttls) })
}

// goStore runs store on a goroutine of its own, counted as a call's work
// after delivery: waitStores (and so Close) waits for it.
func (g *flightGroup) goStore(store func()) {
	g.mu.Lock()
	g.storing++
	g.mu.Unlock()
	g.workers.start(func() {
		defer func() {
			g.mu.Lock()
			defer g.mu.Unlock()
			if g.storing--; g.storing == 0 && g.idle != nil {
				close(g.idle)
				g.idle = nil
			}
		}()
		store()
	})
}

// SetEntries implements [EntrySetter].
func (s *memoryStore) SetEntries(ctx context.Context, keys []string, values [][]byte, ttls []time.Duration) error {
	for i, k := range keys {
		if err := s.Set(ctx, k, values[i], ttls[i]); err != nil {
			return err
		}
	}
	return nil
}
