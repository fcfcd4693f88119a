package cache

import (
	"bytes"
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// holdSubConn is a connection whose replies, once it has sent a SUBSCRIBE
// (the tracker's subscriber), wait at hold after they arrive: Redis's
// invalidations are held on their way to the tracker.
type holdSubConn struct {
	net.Conn
	sub  atomic.Bool
	hold *gate
}

func (c *holdSubConn) Write(b []byte) (int, error) {
	if bytes.Contains(bytes.ToLower(b), []byte("subscribe")) {
		c.sub.Store(true)
	}
	return c.Conn.Write(b)
}

func (c *holdSubConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.sub.Load() {
		c.hold.pass(context.Background())
	}
	return n, err
}

// holdSubClient returns a client of the Redis at addr whose subscriber's
// replies wait at hold (see holdSubConn).
func holdSubClient(t *testing.T, addr string, hold *gate) *redis.Client {
	opt := RedisOptions(addr)
	opt.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		cn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &holdSubConn{Conn: cn, hold: hold}, nil
	}
	client := redis.NewClient(opt)
	t.Cleanup(func() { client.Close() })
	return client
}

// failVersions fails SetVersions while fail is set: a write's invalidation
// that does not reach Redis.
type failVersions struct {
	Store
	fail atomic.Bool
}

func (s *failVersions) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	if s.fail.Load() {
		return errors.New("failVersions: refused")
	}
	return s.Store.SetVersions(ctx, keys, values, ttls)
}

// TestTrackedWriterReadsItsOwnRetriedWrite: a write's invalidation fails
// (the namespace is dirty, the write's process bypasses the cache), and a
// read that started before the write returned reads the old version on a
// tracking connection after the write's own forget. Once the background
// retry has delivered the invalidation, the writing process must read its
// write at once, without waiting for Redis to push the change.
func TestTrackedWriterReadsItsOwnRetriedWrite(t *testing.T) {
	srv := redistest.Start(t)
	var hold gate
	client := holdSubClient(t, srv.Addr(), &hold)
	var get *Method
	r := newRepo("v1")
	ctx := context.Background()
	var overlapping atomic.Bool
	observe := func(_ context.Context, e Event) {
		// A read of this process squeezed between the failed invalidation's
		// forget and the marking of its namespace dirty: it overlaps the
		// write, and may return either value.
		if e.Kind == EventInvalidate && e.Err != nil && overlapping.CompareAndSwap(false, true) {
			getBook(ctx, get, r, 1)
		}
	}
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet), WithObserver(observe))
	t.Cleanup(func() { c.Close() })
	fv := &failVersions{Store: c.store}
	c.store = fv
	waitTracking(t, c)
	get = c.Method("R.Get", time.Minute, "books").Copy(copyBook)
	update := c.Method("R.Update", 0, "books")

	getBook(ctx, get, r, 1)
	settle(t, c)
	if b, _ := getBook(ctx, get, r, 1); b.Title != "v1" { // a tracked near hit from here on
		t.Fatalf("%q", b.Title)
	}

	v2 := "v2"
	r.title.Store(&v2)
	fv.fail.Store(true)
	if err := update.Invalidate(ctx); err == nil {
		t.Fatal("the invalidation did not fail")
	}
	if !overlapping.Load() {
		t.Fatal("no overlapping read")
	}
	if b, _ := getBook(ctx, get, r, 1); b.Title != "v2" {
		t.Fatalf("while dirty: %q", b.Title)
	}

	// Redis's pushes are held; the retry delivers the invalidation.
	release := hold.close()
	defer release()
	fv.fail.Store(false)
	waitFor(t, "the retry delivers the invalidation", func() bool { return !c.dirty.any([]string{"books"}) })
	if b, _ := getBook(ctx, get, r, 1); b.Title != "v2" {
		t.Fatalf("the writing process read %q after its write was delivered, want v2", b.Title)
	}
}
