package cache

import (
	"context"
	"crypto/rand"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestRedisTooSmallIsReportedOnce: a Redis too small to hold the entries
// (maxmemory 2 MB under noeviction, 30 KB entries: it refuses nearly every
// SET with OOM) is said to be so once, in the log and to the observer (op
// "full"), not once per refused SET. Before, the cache was safe but silent
// about it: a generic "cache fault" line, then summaries of set faults.
func TestRedisTooSmallIsReportedOnce(t *testing.T) {
	srv := redistest.Start(t, "--maxmemory", "2mb", "--maxmemory-policy", "noeviction")
	client := redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { client.Close() })
	var logs logLines
	var full, setOOM atomic.Int64
	observe := func(_ context.Context, e Event) {
		switch {
		case e.Kind == EventError && e.Op == "full":
			full.Add(1)
			if !redis.HasErrorPrefix(e.Err, "OOM") {
				t.Errorf("the full event's error: %v, want Redis's OOM", e.Err)
			}
		case e.Kind == EventError && e.Op == "set" && redis.HasErrorPrefix(e.Err, "OOM"):
			setOOM.Add(1)
		}
	}
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithLogger(slog.New(&logs)), WithObserver(observe))
	type value struct {
		ID  int
		Pad []byte
	}
	pad := make([]byte, 30<<10)
	rand.Read(pad) // incompressible, whatever the codec does
	m := c.Method("R.Get", time.Minute, "books")
	ctx := context.Background()
	for i := range 300 {
		k := m.Key()
		k.Int(int64(i))
		if _, err := Fetch(ctx, m, k, func(context.Context) (value, error) { return value{i, pad}, nil }); err != nil {
			t.Fatal(err)
		}
	}
	settle(t, c)
	if setOOM.Load() < 200 {
		t.Fatalf("%d of 300 entries refused with OOM: the test did not fill Redis", setOOM.Load())
	}
	lines := logs.count("WARN", "Redis is out of memory")
	t.Logf("%d of 300 entries refused with OOM: %d full events, %d such log lines", setOOM.Load(), full.Load(), lines)
	if full.Load() != 1 || lines != 1 {
		t.Fatalf("%d full events and %d log lines saying so for %d refused entries, want 1 and 1:\n%s",
			full.Load(), lines, setOOM.Load(), strings.Join(logs.all(), "\n"))
	}
}

// TestFullReportedAgainAfterAQuietSpell: refusals that go on are one run,
// reported once; a refusal after fullQuiet without any starts a new one.
func TestFullReportedAgainAfterAQuietSpell(t *testing.T) {
	var f fullReport
	now := time.Unix(1000, 0)
	if !f.refused(now) {
		t.Fatal("the first refusal was not reported")
	}
	for range 100 { // refusals every half quiet period: one run
		now = now.Add(fullQuiet / 2)
		if f.refused(now) {
			t.Fatal("a refusal within a run was reported again")
		}
	}
	if !f.refused(now.Add(fullQuiet)) {
		t.Fatal("a refusal after a quiet spell was not reported")
	}
}
