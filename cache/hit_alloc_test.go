package cache

import (
	"context"
	"testing"
	"time"
)

// TestHitAllocations: a hit of one value through a Redis store allocates
// at most 4 times more than the floor, a GET of the same bytes through the
// same client plus the same decode (before the hit path was cut down: 29
// against 15 here, 23 against 9 in BenchmarkHit; after: 19 and 13).
func TestHitAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under -race")
	}
	client, mr := testRedis(t)
	if mr != nil {
		t.Skip("needs a real Redis (CACHEGEN_REDIS_URL): miniredis's own allocations, in this process, would be counted")
	}
	ctx := context.Background()
	prefix := testPrefix(t)
	c := New(NewRedisStore(client), WithPrefix(prefix), WithLogger(quiet), WithStoreTimeout(5*time.Second))
	m := Read[struct{}, book](c, "Books.Get", time.Minute, "books")
	r := newRepo("Dune")
	if _, err := getBook(ctx, m, r, 1); err != nil {
		t.Fatal(err)
	}
	settle(t, c)
	data, err := JSON.Marshal(book{ID: 1, Title: "Dune", Tags: []string{"a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	floorKey := prefix + ":floor"
	if err := client.Set(ctx, floorKey, data, time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	hit := testing.AllocsPerRun(200, func() {
		if _, err := getBook(ctx, m, r, 1); err != nil {
			t.Fatal(err)
		}
	})
	floor := testing.AllocsPerRun(200, func() {
		b, err := client.Get(ctx, floorKey).Bytes()
		if err != nil {
			t.Fatal(err)
		}
		var v book
		if err := JSON.Unmarshal(b, &v); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("hit %v allocations, floor %v", hit, floor)
	if r.loads.Load() != 1 {
		t.Fatalf("%d loads: the hits missed", r.loads.Load())
	}
	if hit > floor+4 {
		t.Fatalf("a hit allocates %v times, the floor %v: more than 4 over it", hit, floor)
	}
}
