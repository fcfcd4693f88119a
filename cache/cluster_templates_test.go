package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// itemStore is a fake repository of items by id.
type itemStore struct {
	mu    sync.Mutex
	items map[int64]string
}

func (s *itemStore) get(_ context.Context, id int64) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.items[id]
	if !ok {
		return "", fmt.Errorf("item %d: %w", id, errNoItem)
	}
	return v, nil
}

func (s *itemStore) put(id int64, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[id] = v
}

func TestClusterTemplates(t *testing.T) {
	tc := startCluster(t)
	// Round trips as the caller sees them: one per command or pipeline the
	// cluster client sends (tc.tripCounter counts them per node).
	var calls tripCounter
	tc.client.AddHook(&calls)
	var log eventLog
	c := New(NewRedisStore(tc.client), WithPrefix("tp"), WithObserver(log.observe), WithLogger(quiet))
	defer c.Close()
	ctx := context.Background()

	get := c.Method("Items.Get", time.Minute, "item:{id}").NotFound(0, errNoItem)
	ranked := c.Method("Items.Ranked", time.Minute, "item:{id}", "item-lists")
	save := c.Method("Items.Save", 0, "item:{id}", "item-lists")
	reindex := c.Method("Items.Reindex", 0, "item")

	// Item a's member lives on another master than the family, item b's on
	// the family's master.
	family := tc.nodeOf(t, "item")
	var a, b int64
	for id := int64(1); id < 1000 && (a == 0 || b == 0); id++ {
		switch node := tc.nodeOf(t, Member("item", id)); {
		case a == 0 && node != family:
			a = id
		case b == 0 && node == family:
			b = id
		}
	}
	if a == 0 || b == 0 {
		t.Fatal("found no member on another master than the family, or none on the same")
	}
	const missing = int64(1000)
	repo := &itemStore{items: map[int64]string{a: "a1", b: "b1"}}
	read := func(m *Method, id int64) (string, Status, error) {
		rctx, rec := Record(ctx)
		v, err := Fetch(rctx, m, memberKey(m, int(id)), func(ctx context.Context) (string, error) { return repo.get(ctx, id) })
		settle(t, c) // a miss stores its entry after returning
		return v, rec.Status(), err
	}
	// masters returns how many masters hold the namespaces.
	masters := func(namespaces ...string) int64 {
		seen := map[string]bool{}
		for _, ns := range namespaces {
			seen[tc.nodeOf(t, ns)] = true
		}
		return int64(len(seen))
	}
	resetTrips := func() {
		calls.trips.Store(0)
		calls.cmds.Store(0)
		tc.trips.Store(0)
		tc.cmds.Store(0)
	}
	// expectHit reads id through m twice: the second read must hit with
	// want, in one pipelined round trip: one MGET per slot (the member's
	// version key and the entry share one), one trip per master.
	expectHit := func(t *testing.T, m *Method, id int64, want string, namespaces ...string) {
		t.Helper()
		read(m, id)
		resetTrips()
		v, st, err := read(m, id)
		if err != nil || st != StatusHit || v != want {
			t.Fatalf("read of %d: %q, %v, %v; want a hit of %q", id, v, st, err, want)
		}
		if n := calls.trips.Load(); n != 1 {
			t.Fatalf("a hit took %d round trips from the client, want one pipeline", n)
		}
		if n, want := calls.cmds.Load(), int64(len(namespaces)); n != want {
			t.Fatalf("a hit sent %d commands, want one MGET per slot (%d)", n, want)
		}
		if n, want := tc.trips.Load(), masters(namespaces...); n != want {
			t.Fatalf("a hit took %d round trips to masters, want one per master involved (%d)", n, want)
		}
	}
	// expect reads id through m and checks the value and whether it hit.
	expect := func(t *testing.T, m *Method, id int64, want string, hit bool) {
		t.Helper()
		v, st, err := read(m, id)
		if err != nil || v != want || (st == StatusHit) != hit {
			t.Fatalf("read of %d: %q, %v, %v; want %q, hit %v", id, v, st, err, want, hit)
		}
	}

	memberA, memberB := Member("item", a), Member("item", b)
	t.Run("hits", func(t *testing.T) {
		expectHit(t, get, a, "a1", "item", memberA)
		expectHit(t, get, b, "b1", "item", memberB)
		expectHit(t, ranked, a, "a1", "item", memberA, "item-lists")
		expectHit(t, ranked, b, "b1", "item", memberB, "item-lists")
	})

	t.Run("member", func(t *testing.T) {
		repo.put(a, "a2")
		resetTrips()
		k := save.Key()
		k.Member()
		k.Int(a)
		if err := save.InvalidateKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if n := calls.trips.Load(); n != 1 {
			t.Fatalf("the invalidation took %d round trips from the client, want one", n)
		}
		if n, want := tc.trips.Load(), masters(memberA, "item-lists"); n != want {
			t.Fatalf("the invalidation took %d round trips to masters, want %d", n, want)
		}
		expect(t, get, a, "a2", false)
		expect(t, get, b, "b1", true) // another member: still cached
		expect(t, ranked, b, "b1", false)

		// By hand.
		repo.put(b, "b2")
		if err := c.InvalidateMember(ctx, "item", b); err != nil {
			t.Fatal(err)
		}
		expect(t, get, b, "b2", false)
		expect(t, get, a, "a2", true)
	})

	t.Run("family", func(t *testing.T) {
		expect(t, ranked, a, "a2", false)
		expect(t, ranked, b, "b2", false)
		expect(t, ranked, a, "a2", true)
		expect(t, ranked, b, "b2", true)
		repo.put(a, "a3")
		repo.put(b, "b3")
		if err := reindex.Invalidate(ctx); err != nil {
			t.Fatal(err)
		}
		expect(t, get, a, "a3", false)
		expect(t, get, b, "b3", false)
		expect(t, ranked, a, "a3", false)
		expect(t, ranked, b, "b3", false)

		repo.put(a, "a4")
		if err := c.Invalidate(ctx, "item"); err != nil {
			t.Fatal(err)
		}
		expect(t, get, a, "a4", false)
		expect(t, get, b, "b3", false)
	})

	t.Run("not found", func(t *testing.T) {
		if _, _, err := read(get, missing); !errors.Is(err, errNoItem) {
			t.Fatalf("read of a missing item: %v", err)
		}
		resetTrips()
		if v, st, err := read(get, missing); err != errNoItem || v != "" || st != StatusHit {
			t.Fatalf("second read of a missing item: %q, %v, %v; want a hit of errNoItem", v, st, err)
		}
		if n := calls.trips.Load(); n != 1 {
			t.Fatalf("a not-found hit took %d round trips from the client, want one", n)
		}
		repo.put(missing, "created")
		if err := c.InvalidateMember(ctx, "item", missing); err != nil {
			t.Fatal(err)
		}
		expect(t, get, missing, "created", false)
	})

	t.Run("version keys", func(t *testing.T) {
		// A member's version key expires; the family's does not.
		for _, tt := range []struct {
			ns      string
			expires bool
		}{{"item", false}, {memberA, true}, {memberB, true}, {"item-lists", false}} {
			ttl, err := tc.client.PTTL(ctx, c.versionKey(tt.ns)).Result()
			if err != nil {
				t.Fatal(err)
			}
			if (ttl > 0) != tt.expires {
				t.Errorf("version key of %s: TTL %v, want one: %v", tt.ns, ttl, tt.expires)
			}
		}
	})
	if n := log.n(EventError); n != 0 {
		t.Fatalf("%d store errors on the cluster (CROSSSLOT?): last %+v", n, log.last.Load())
	}

	// The stale-read harness of stale_entities_test.go, on the cluster:
	// members, the family and item-lists spread over the masters.
	t.Run("no stale read", func(t *testing.T) {
		if testing.Short() {
			t.Skip("concurrency harness; runs without -short")
		}
		// Generous timeouts, as the harness's caches have: on a loaded
		// machine, the recommended 100ms saw reads time out.
		opts := RedisClusterOptions(tc.addrs...)
		opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = 2*time.Second, 2*time.Second, 2*time.Second
		client := redis.NewClusterClient(opts)
		defer client.Close()
		versionedRun(t, client, anyWrite, nil, readItem, readNotFound)
	})
}
