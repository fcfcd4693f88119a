package cache

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// tripCounter is a go-redis hook counting round trips (one per command
// sent alone, one per pipeline) and commands, or with match set only the
// commands whose arguments match.
type tripCounter struct {
	match func(args []any) bool
	trips atomic.Int64
	cmds  atomic.Int64
}

func (h *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *tripCounter) count(cmds ...redis.Cmder) {
	h.trips.Add(1)
	for _, c := range cmds {
		if h.match == nil || h.match(c.Args()) {
			h.cmds.Add(1)
		}
	}
}

func (h *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}

func (h *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.count(cmds...)
		return next(ctx, cmds)
	}
}

func TestHitIsOneRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name       string
		namespaces []string
		cmds       int64 // commands in that round trip
		missTrips  int64 // round trips of a miss of another key
	}{
		{"one namespace: MGET", []string{"books"}, 1, 2},
		// Keys of several hash tags: one MGET all the same on a single
		// Redis (a cluster's pipeline of one MGET per slot is in
		// cluster_test.go).
		{"two namespaces: one MGET on a single Redis", []string{"books", "authors"}, 1, 2},
		// The other key names another member, whose version key the miss
		// creates: one more round trip.
		{"a template: MGET", []string{"book:{id}"}, 1, 3},
		{"a template and a namespace: MGET", []string{"book:{id}", "authors"}, 1, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, _ := testRedis(t)
			h := &tripCounter{}
			client.AddHook(h)
			c := New(NewRedisStore(client), WithPrefix(testPrefix(t)))
			m := c.Method("R.Get", time.Minute, tc.namespaces...)
			r := newRepo("v1")
			ctx := context.Background()
			getBook(ctx, m, r, 1) // miss: read, create versions, store
			settle(t, c)
			h.trips.Store(0)
			h.cmds.Store(0)
			rctx, rec := Record(ctx)
			getBook(rctx, m, r, 1)
			if rec.Status() != StatusHit {
				t.Fatalf("status %v, want hit", rec.Status())
			}
			if h.trips.Load() != 1 || h.cmds.Load() != tc.cmds {
				t.Fatalf("hit took %d round trips, %d commands; want 1 and %d", h.trips.Load(), h.cmds.Load(), tc.cmds)
			}
			// A miss with existing versions: the read and the store, which
			// the flight makes after handing the result to the caller.
			h.trips.Store(0)
			getBook(ctx, m, r, 2)
			settle(t, c)
			if h.trips.Load() != tc.missTrips {
				t.Fatalf("miss took %d round trips, want %d (read, [create the member's version,] store)", h.trips.Load(), tc.missTrips)
			}
			// An invalidation is one round trip, whatever the namespace holds.
			h.trips.Store(0)
			var names []string // a template's family
			for _, ns := range tc.namespaces {
				family, _, _ := strings.Cut(ns, ":{")
				names = append(names, family)
			}
			if err := c.Invalidate(ctx, names...); err != nil {
				t.Fatal(err)
			}
			if h.trips.Load() != 1 {
				t.Fatalf("invalidation took %d round trips, want 1", h.trips.Load())
			}
		})
	}
}
