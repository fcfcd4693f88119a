package cache

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
)

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func TestFailOpenClosedPort(t *testing.T) {
	client := redis.NewClient(testClientOptions(closedAddr(t)))
	defer client.Close()
	var log eventLog
	c := New(NewRedisStore(client), WithObserver(log.observe))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()
	for range 3 {
		rctx, rec := Record(ctx)
		b, err := getBook(rctx, m, r, 1)
		if err != nil || b.Title != "v1" {
			t.Fatalf("read with Redis down: %+v, %v; want the repository's result", b, err)
		}
		if rec.Status() != StatusBypass {
			t.Fatalf("status %v, want bypass", rec.Status())
		}
	}
	if r.loads.Load() != 3 || log.n(EventError) != 3 {
		t.Fatalf("loads %d, errors %d; want 3 and 3", r.loads.Load(), log.n(EventError))
	}
	if err := c.Invalidate(ctx, "books"); err == nil {
		t.Fatal("Invalidate with Redis down returned nil")
	}
	if e := log.last.Load(); e.Kind != EventInvalidate || e.Err == nil {
		t.Fatalf("last event %+v, want a failed invalidation", e)
	}
}

func TestFailOpenServerStoppedMidRun(t *testing.T) {
	mr := miniredis.RunT(t)
	client := redis.NewClient(testClientOptions(mr.Addr()))
	defer client.Close()
	var log eventLog
	c := New(NewRedisStore(client), WithObserver(log.observe))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()

	getBook(ctx, m, r, 1)
	getBook(ctx, m, r, 1)
	if r.loads.Load() != 1 {
		t.Fatalf("loads = %d, want 1", r.loads.Load())
	}
	mr.Close()
	for range 3 {
		if b, err := getBook(ctx, m, r, 1); err != nil || b.Title != "v1" {
			t.Fatalf("read while stopped: %+v, %v", b, err)
		}
	}
	if r.loads.Load() != 4 || log.n(EventError) == 0 {
		t.Fatalf("while stopped: loads %d, errors %d; want 4 and > 0", r.loads.Load(), log.n(EventError))
	}
	if err := mr.Restart(); err != nil {
		t.Fatal(err)
	}
	// The restarted server is empty: version keys are created again and
	// the cache fills again.
	mr.FlushAll()
	errs := log.n(EventError)
	getBook(ctx, m, r, 1)
	getBook(ctx, m, r, 1)
	if r.loads.Load() != 5 || log.n(EventError) != errs {
		t.Fatalf("after restart: loads %d (want 5), new errors %d", r.loads.Load(), log.n(EventError)-errs)
	}
}

func TestFailOpenGarbage(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name          string
		entry, vbooks string // "" leaves the key as the cache wrote it
	}{
		{"entry not ours", "hello", ""},
		{"entry truncated header", "cg1:json:abc", ""},
		{"entry bad payload", "", "cg1:json:%s\n{not json"},
		{"entry other codec", "", "cg1:msgpack:%s\n\x81"},
		{"entry compressed corrupt", "", "cg1:json+s2:%s\n\x0agarbage\x00\x00\x00\x00"},
		{"entry other compression", "", "cg1:json+lz4:%s\n\x81"},
		{"version foreign", "", "VERSION"},
		{"version with separators", "", "a,b\nc"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, _ := testRedis(t)
			prefix := testPrefix(t)
			var log eventLog
			c := New(NewRedisStore(client), WithPrefix(prefix), WithObserver(log.observe))
			m := c.Method("R.Get", time.Minute, "books")
			r := newRepo("v1")
			getBook(ctx, m, r, 1)
			settle(t, c)
			entryKey, versionKey := prefix+":{books}:R.Get:1", prefix+":{books}:v"
			tok := client.Get(ctx, versionKey).Val()
			switch {
			case tc.entry != "":
				client.Set(ctx, entryKey, tc.entry, 0)
			case tc.vbooks == "VERSION" || tc.vbooks == "a,b\nc":
				v := tc.vbooks
				if v == "VERSION" {
					v = "{\"not\": \"a token\"}"
				}
				client.Set(ctx, versionKey, v, 0)
			default:
				client.Set(ctx, entryKey, []byte(sprintf(tc.vbooks, tok)), 0)
			}
			b, err := getBook(ctx, m, r, 1)
			if err != nil || b.Title != "v1" || b.ID != 1 {
				t.Fatalf("read over garbage: %+v, %v", b, err)
			}
			if r.loads.Load() != 2 {
				t.Fatalf("loads = %d, want 2 (garbage is a miss)", r.loads.Load())
			}
			// Foreign values are counted as faults; another codec's entry,
			// or one compressed by an algorithm unknown here, is a plain miss.
			if faults := log.n(EventError); (faults == 0) != strings.HasPrefix(tc.name, "entry other") {
				t.Fatalf("%d faults reported", faults)
			}
			// The garbage was overwritten: the next read is a hit.
			rctx, rec := Record(ctx)
			getBook(rctx, m, r, 1)
			if rec.Status() != StatusHit || r.loads.Load() != 2 {
				t.Fatalf("after overwrite: status %v, loads %d; want hit, 2", rec.Status(), r.loads.Load())
			}
		})
	}
}
