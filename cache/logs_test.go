package cache

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// downRedis returns a cache over a Redis that was killed after the cache
// read from it once, logging into logs and counting error events.
func downRedis(t *testing.T, logs *logLines, errs *atomic.Int64) (*Cache, *Method) {
	srv := redistest.Start(t)
	client := redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { client.Close() })
	observe := func(_ context.Context, e Event) {
		if e.Kind == EventError {
			errs.Add(1)
		}
	}
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithLogger(slog.New(logs)), WithObserver(observe))
	m := c.Method("R.Get", time.Minute, "books")
	getBook(context.Background(), m, newRepo("v1"), 1)
	settle(t, c)
	srv.Kill()
	return c, m
}

func TestQuietLogsWhileRedisIsDown(t *testing.T) {
	var logs logLines
	var errs atomic.Int64
	c, m := downRedis(t, &logs, &errs)
	r := newRepo("v1")
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				getBook(context.Background(), m, r, int64(g*25+i))
			}
		}()
	}
	wg.Wait()
	lines := logs.all()
	t.Logf("200 reads with Redis down: %d error events, %d log lines:\n%s", errs.Load(), len(lines), strings.Join(lines, "\n"))
	if errs.Load() < 200 {
		t.Fatalf("the observer saw %d error events for 200 failing reads", errs.Load())
	}
	// The first fault, the breaker opening; the rest is held back.
	if len(lines) > 3 || logs.count("circuit open") != 1 {
		t.Fatalf("%d log lines for 200 failing reads, want the first fault and the breaker's state change", len(lines))
	}
	c.Close() // writes the summary of what was held back
	if n := logs.count("WARN", "cache faults", "count="); n != 1 {
		t.Fatalf("%d summary lines after Close, want 1:\n%s", n, strings.Join(logs.all(), "\n"))
	}
}

func TestOneSummaryPerInterval(t *testing.T) {
	var logs logLines
	var errs atomic.Int64
	c, m := downRedis(t, &logs, &errs)
	c.logs.every = 200 * time.Millisecond
	r := newRepo("v1")
	start := time.Now()
	for time.Since(start) < time.Second {
		getBook(context.Background(), m, r, 1)
		time.Sleep(time.Millisecond)
	}
	elapsed := time.Since(start)
	time.Sleep(300 * time.Millisecond) // the last interval ends
	summaries := logs.count("cache faults", "count=")
	t.Logf("%d error events in %v, %d summaries", errs.Load(), elapsed, summaries)
	if max := int(elapsed/c.logs.every) + 2; summaries == 0 || summaries > max {
		t.Fatalf("%d summary lines in %v, want between 1 and %d (one per %v)", summaries, elapsed, max, c.logs.every)
	}
}

func TestRedisLoggerHoldsBackRepeats(t *testing.T) {
	var logs logLines
	l := NewRedisLogger(slog.New(&logs))
	for range 100 {
		l.Printf(context.Background(), "redis: connection pool: failed to dial after %d attempts: %s", 5, "connection refused")
	}
	if n := len(logs.all()); n != 1 || logs.count("WARN", "failed to dial after 5 attempts") != 1 {
		t.Fatalf("100 messages gave %d lines: %v", n, logs.all())
	}
	l.flush()
	if logs.count("WARN", "count=99") != 1 {
		t.Fatalf("no summary of the 99 held back: %v", logs.all())
	}
}

// go-redis's own log lines (connection pool failures), routed to slog and
// held back like the cache's faults.
func ExampleNewRedisLogger() {
	redis.SetLogger(NewRedisLogger(slog.Default()))
}
