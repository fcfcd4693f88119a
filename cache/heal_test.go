package cache

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// Faults that must heal without a write: a version key of another type, an
// entry too large to read in time.

func TestVersionKeyOfAnotherTypeIsRepaired(t *testing.T) {
	client, _ := testRedis(t)
	prefix := testPrefix(t)
	var log eventLog
	c := New(NewRedisStore(client), WithPrefix(prefix), WithObserver(log.observe), WithLogger(quiet))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	versionKey := prefix + ":{books}:v"
	client.Del(ctx, versionKey)
	client.RPush(ctx, versionKey, "not", "a", "token")

	var statuses []Status
	for range 3 {
		rctx, rec := Record(ctx)
		if b, err := getBook(rctx, m, r, 1); err != nil || b.Title != "v1" {
			t.Fatalf("read: %+v, %v", b, err)
		}
		statuses = append(statuses, rec.Status())
	}
	if typ := client.Type(ctx, versionKey).Val(); typ != "string" {
		t.Fatalf("the version key is still a %s after 3 reads", typ)
	}
	if statuses[2] != StatusHit || log.n(EventError) != 1 {
		t.Fatalf("statuses %v, %d faults; want a hit by the third read and one fault", statuses, log.n(EventError))
	}
}

func TestEntriesOverTheMaximumSizeAreNotStored(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			for _, tc := range []struct {
				name string
				opts []Option
				size int
			}{
				{"default 1MiB", nil, DefaultMaxEntrySize},
				{"WithMaxEntrySize(1000)", []Option{WithMaxEntrySize(1000)}, 1000},
			} {
				t.Run(tc.name, func(t *testing.T) {
					var log lastEvent
					store := sc.store(t)
					c := New(store, append([]Option{WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet)}, tc.opts...)...)
					m := c.Method("R.Big", time.Minute, "ns")
					ctx := context.Background()
					fetch := func(n int) Status {
						rctx, rec := Record(ctx)
						v, err := Fetch(rctx, m, m.Key(), func(context.Context) (string, error) { return strings.Repeat("x", n), nil })
						if err != nil || len(v) != n {
							t.Fatalf("read of %d bytes: %d bytes, %v", n, len(v), err)
						}
						return rec.Status()
					}
					fetch(tc.size + 1)
					if e := log.get(); e == nil || e.Op != "size" || e.Err == nil {
						t.Fatalf("last event %+v, want a size fault", e)
					}
					if s := fetch(tc.size + 1); s != StatusMiss {
						t.Fatalf("second read of an entry over the maximum: %v, want a miss (not stored)", s)
					}
					// Just under the maximum (the entry's header counts): stored.
					small := tc.size - 100
					m = c.Method("R.Small", time.Minute, "ns")
					fetch(small)
					if s := fetch(small); s != StatusHit {
						t.Fatalf("an entry under the maximum: %v, want a hit", s)
					}
				})
			}
		})
	}
}

func TestEntryWhoseReadTimesOutIsReplaced(t *testing.T) {
	target := testTarget(t)
	prefix := testPrefix(t)
	ctx := context.Background()
	// Process A, with a fast link and a large maximum, stores a 1.5 MB entry.
	optA := RedisOptions(target)
	optA.ReadTimeout = 5 * time.Second
	clientA := redis.NewClient(optA)
	defer clientA.Close()
	a := New(NewRedisStore(clientA), WithPrefix(prefix), WithLogger(quiet), WithMaxEntrySize(64<<20), WithStoreTimeout(5*time.Second))
	big := strings.Repeat("x", 3<<19)
	load := func(context.Context) (string, error) { return big, nil }
	ma := a.Method("R.Big", time.Minute, "ns")
	if _, err := Fetch(ctx, ma, ma.Key(), load); err != nil {
		t.Fatal(err)
	}
	settle(t, a)
	// Process B reads through a link too slow to carry it within the read
	// timeout (4ms per 32 KB chunk: about 0.2 s).
	p := redistest.StartProxy(t, target)
	p.SetDelay(4 * time.Millisecond)
	clientB := redis.NewClient(RedisOptions(p.Addr()))
	defer clientB.Close()
	var getFaults atomic.Int64
	observe := func(_ context.Context, e Event) {
		if e.Kind == EventError && e.Op == "get" {
			getFaults.Add(1)
		}
	}
	b := New(NewRedisStore(clientB), WithPrefix(prefix), WithLogger(quiet), WithObserver(observe), WithBreaker(0, 0))
	mb := b.Method("R.Big", time.Minute, "ns")
	read := func() {
		t.Helper()
		if v, err := Fetch(ctx, mb, mb.Key(), load); err != nil || len(v) != len(big) {
			t.Fatalf("read: %d bytes, %v", len(v), err)
		}
	}
	// Reads time out until the entry is gone (a busy machine can make the
	// delete itself time out; the next timed-out read deletes again).
	entryKey := prefix + ":{ns}:R.Big"
	for start := time.Now(); clientA.Exists(ctx, entryKey).Val() != 0; time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 2*time.Second {
			t.Fatalf("the entry is still there after 2s of reads timing out (%d)", getFaults.Load())
		}
		read()
	}
	failed := getFaults.Load()
	for range 3 {
		read() // misses; the result is over the maximum size, so not stored
	}
	t.Logf("%d reads of the entry timed out before it was deleted, then %d of 3", failed, getFaults.Load()-failed)
	if n := getFaults.Load() - failed; n > 1 {
		t.Fatalf("%d of 3 reads failed after the entry was deleted", n)
	}
}

// lastEvent keeps the last event that is not a hit or a miss.
type lastEvent struct{ eventLog }

func (l *lastEvent) observe(ctx context.Context, e Event) {
	if e.Kind == EventError {
		l.eventLog.observe(ctx, e)
	}
}

func (l *lastEvent) get() *Event { return l.last.Load() }
