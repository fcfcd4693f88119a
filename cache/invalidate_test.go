package cache

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

func TestInvalidateWithACancelledContext(t *testing.T) {
	client, _ := testRedis(t)
	prefix := testPrefix(t)
	writer := New(NewRedisStore(client), WithPrefix(prefix), WithLogger(quiet))
	reader := New(NewRedisStore(client), WithPrefix(prefix), WithLogger(quiet)) // another process
	db := &slowDB{delay: time.Microsecond}
	get := reader.Method("DB.Get", time.Minute, "db")
	read := func() int64 {
		k := get.Key()
		v, _ := Fetch(context.Background(), get, k, db.read)
		return v
	}
	read() // cached at version 0

	// The request's context is cancelled after the commit, before the
	// invalidation (the client went away).
	ctx, cancel := context.WithCancel(context.Background())
	n := db.write()
	cancel()
	if err := writer.Invalidate(ctx, "db"); err != nil {
		t.Fatalf("Invalidate with a cancelled context: %v", err)
	}
	if v := read(); v != n {
		t.Fatalf("another process reads version %d after the write of %d: the invalidation was dropped", v, n)
	}
}

// closeScene is a writer process A reaching Redis through a proxy and a
// reader process B reaching it directly, both caching version 0 of db.
type closeScene struct {
	proxy *redistest.Proxy
	a     *Cache
	logs  *logLines
	db    *slowDB
	readB func() int64
}

func newCloseScene(t *testing.T) *closeScene {
	target := testTarget(t)
	s := &closeScene{proxy: redistest.StartProxy(t, target), logs: &logLines{}, db: &slowDB{delay: time.Microsecond}}
	prefix := testPrefix(t)
	clientA := redis.NewClient(RedisOptions(s.proxy.Addr()))
	t.Cleanup(func() { clientA.Close() })
	clientB := redis.NewClient(RedisOptions(target))
	t.Cleanup(func() { clientB.Close() })
	s.a = New(NewRedisStore(clientA), WithPrefix(prefix), WithLogger(slog.New(s.logs)))
	b := New(NewRedisStore(clientB), WithPrefix(prefix), WithLogger(quiet))
	getA, getB := s.a.Method("DB.Get", time.Minute, "db"), b.Method("DB.Get", time.Minute, "db")
	ctx := context.Background()
	Fetch(ctx, getA, getA.Key(), s.db.read)
	s.readB = func() int64 {
		v, _ := Fetch(ctx, getB, getB.Key(), s.db.read)
		return v
	}
	s.readB()
	return s
}

// lostWrite commits a write in A while its invalidation cannot reach Redis.
func (s *closeScene) lostWrite(t *testing.T) int64 {
	s.proxy.Set(redistest.Refuse)
	n := s.db.write()
	if err := s.a.Invalidate(context.Background(), "db", "other"); err == nil {
		t.Fatal("the invalidation went through a refusing proxy")
	}
	return n
}

func TestCloseDeliversPendingInvalidations(t *testing.T) {
	s := newCloseScene(t)
	n := s.lostWrite(t)
	s.proxy.Set(redistest.Forward)      // the blip is over
	if err := s.a.Close(); err != nil { // before the first retry (50ms)
		t.Fatalf("Close: %v", err)
	}
	if v := s.readB(); v != n {
		t.Fatalf("process B reads version %d after A wrote %d and closed: Close dropped the pending invalidation", v, n)
	}
	if err := s.a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestCloseReportsUndeliveredInvalidations(t *testing.T) {
	s := newCloseScene(t)
	s.lostWrite(t)
	start := time.Now()
	err := s.a.Close() // Redis still unreachable
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "db") || !strings.Contains(err.Error(), "other") {
		t.Fatalf("Close = %v, want an error naming the namespaces db and other", err)
	}
	if took > DefaultStoreTimeout+time.Second {
		t.Fatalf("Close took %v: the last attempt is not bounded", took)
	}
	if n := s.logs.count("ERROR", "db", "other"); n != 1 {
		t.Fatalf("%d error lines naming the undelivered namespaces, want 1: %v", n, s.logs.all())
	}
	if err2 := s.a.Close(); err2 == nil || err2.Error() != err.Error() {
		t.Fatalf("second Close = %v, want the first one's error", err2)
	}
}
