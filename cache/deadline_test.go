package cache

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// logLines is a slog.Handler that keeps what is logged, for tests.
type logLines struct {
	mu    sync.Mutex
	lines []string // "LEVEL message key=value ..."
}

func (l *logLines) Enabled(context.Context, slog.Level) bool { return true }

func (l *logLines) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, b.String())
	l.mu.Unlock()
	return nil
}

func (l *logLines) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logLines) WithGroup(string) slog.Handler      { return l }

// count returns how many lines contain all of the parts.
func (l *logLines) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
outer:
	for _, line := range l.lines {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue outer
			}
		}
		n++
	}
	return n
}

func (l *logLines) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func TestDeadlineOfTheCallerBoundsTheStore(t *testing.T) {
	for _, delay := range []time.Duration{80 * time.Millisecond, 200 * time.Millisecond} {
		t.Run(delay.String(), func(t *testing.T) {
			p := redistest.StartProxy(t, testTarget(t))
			client := redis.NewClient(RedisOptions(p.Addr()))
			defer client.Close()
			c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithLogger(quiet))
			m := c.Method("R.Get", time.Minute, "books")
			r := newRepo("v1")
			getBook(context.Background(), m, r, 1)

			p.SetDelay(delay)
			var took []time.Duration
			for range 5 {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
				start := time.Now()
				getBook(ctx, m, r, 1)
				took = append(took, time.Since(start))
				cancel()
			}
			slices.Sort(took)
			median := took[len(took)/2] // a loaded machine delays some reads
			t.Logf("Redis answering in %v, callers' deadline 10ms: reads returned after %v (median), %v (slowest)", delay, median, took[len(took)-1])
			if median > 50*time.Millisecond {
				t.Fatalf("reads with a 10ms deadline returned after %v (median)", median)
			}
		})
	}
}

func TestStoreTimeoutBoundsADefaultClient(t *testing.T) {
	srv := redistest.Start(t)
	// What many users write: go-redis's defaults (3 retries, 5 dial tries,
	// ReadTimeout 3s, context deadlines ignored for socket I/O).
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	var logs logLines
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithLogger(slog.New(&logs)))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	srv.Kill()

	var worst time.Duration
	for range 3 { // fewer than the breaker's threshold: every call goes to Redis
		start := time.Now()
		if b, err := getBook(ctx, m, r, 1); err != nil || b.Title != "v1" {
			t.Fatalf("read with Redis killed: %+v, %v", b, err)
		}
		worst = max(worst, time.Since(start))
	}
	t.Logf("default client, Redis killed: slowest read %v (store timeout %v)", worst, DefaultStoreTimeout)
	if worst > DefaultStoreTimeout+250*time.Millisecond {
		t.Fatalf("a read took %v with Redis killed, want about the store timeout (%v)", worst, DefaultStoreTimeout)
	}
	if n := logs.count("WARN", "ContextTimeoutEnabled"); n != 1 {
		t.Fatalf("%d warnings about the client's options, want 1:\n%s", n, strings.Join(logs.all(), "\n"))
	}
}

func TestNoWarningForCacheSuitedOptions(t *testing.T) {
	var logs logLines
	client := redis.NewClient(RedisOptions(closedAddr(t)))
	defer client.Close()
	New(NewRedisStore(client), WithLogger(slog.New(&logs)))
	cluster := redis.NewClusterClient(RedisClusterOptions(closedAddr(t)))
	defer cluster.Close()
	New(NewRedisStore(cluster), WithLogger(slog.New(&logs)))
	if n := len(logs.all()); n != 0 {
		t.Fatalf("cache-suited options drew warnings: %v", logs.all())
	}
	def := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{closedAddr(t)}})
	defer def.Close()
	New(NewRedisStore(def), WithLogger(slog.New(&logs)))
	if n := logs.count("WARN", "ContextTimeoutEnabled", "MaxRedirects"); n != 1 {
		t.Fatalf("a default cluster client drew %d warnings naming the options, want 1: %v", n, logs.all())
	}
}
