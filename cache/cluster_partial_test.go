package cache

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// TestClusterInvalidationReachesHealthyMasters: a write invalidating a
// member (item:{id}, its version key on a healthy master) and a namespace
// on a paused master (items) bumps the member at once, while the paused
// master's breaker is closed (its part times out) and while it is open
// (its part is skipped): another process reads the write, and the writing
// process keeps using the cache for the member. Only items waits for the
// retry, delivered once the master answers again. Before, the write
// failed as a whole while the breaker was open: neither version was
// bumped and the other process served the entity from before the write;
// and the writing process bypassed the member as if it had failed too.
func TestClusterInvalidationReachesHealthyMasters(t *testing.T) {
	// A node timeout longer than the test, so that the other masters do
	// not declare the paused one failed (and the cluster down).
	tc := startCluster(t, "--cluster-node-timeout", "60000")
	otherClient := redis.NewClusterClient(RedisClusterOptions(tc.addrs...))
	t.Cleanup(func() { otherClient.Close() })
	const prefix = "hm"
	// The breaker opens at the first failure and stays open for the rest
	// of the test, so that the second write finds it open.
	writer := New(NewRedisStore(tc.client), WithPrefix(prefix), WithBreaker(1, time.Hour), WithLogger(quiet))
	other := New(NewRedisStore(otherClient), WithPrefix(prefix), WithLogger(quiet)) // another process
	ctx := context.Background()

	// items on the master to pause; the family and two members elsewhere.
	pausedAddr := tc.nodeOf(t, "items")
	family := ""
	for i := 0; family == "" && i < 1000; i++ {
		if f := fmt.Sprintf("item%d", i); tc.nodeOf(t, f) != pausedAddr {
			family = f
		}
	}
	var ids []int64
	for id := int64(1); len(ids) < 2 && id < 1000; id++ {
		if tc.nodeOf(t, Member(family, id)) != pausedAddr {
			ids = append(ids, id)
		}
	}
	if family == "" || len(ids) < 2 {
		t.Fatal("found no family and members off the master to pause")
	}
	template := family + ":{id}"
	save := writer.Method("R.Save", 0, template, "items")
	writerGet := writer.Method("R.GetItem", time.Minute, template)
	otherGet := other.Method("R.GetItem", time.Minute, template)
	otherList := other.Method("R.List", time.Minute, "items")
	r := newRepo("v1")
	for _, id := range ids {
		getBook(ctx, writerGet, r, id)
		getBook(ctx, otherGet, r, id)
	}
	getBook(ctx, otherList, r, 0)
	settle(t, writer)
	settle(t, other)

	var paused bool
	var node *redistest.Server
	for _, n := range tc.nodes {
		if n.Addr() == pausedAddr {
			node = n
		}
	}
	node.Pause()
	paused = true
	t.Cleanup(func() {
		if paused {
			node.Resume()
		}
	})
	v2 := "v2"
	r.title.Store(&v2)
	for i, id := range ids {
		state := []string{"closed", "open"}[i]
		k := save.Key()
		k.Member()
		k.Int(id)
		err := save.InvalidateKey(ctx, k)
		if err == nil || !strings.Contains(err.Error(), "items") || strings.Contains(err.Error(), family) {
			t.Errorf("breaker %s: the write's invalidation returned %v, want an error naming items only", state, err)
		}
		if b, _ := getBook(ctx, otherGet, r, id); b.Title != "v2" {
			t.Errorf("breaker %s: another process read %q after the write, from before it", state, b.Title)
		}
		rctx, rec := Record(ctx)
		if b, _ := getBook(rctx, writerGet, r, id); b.Title != "v2" || rec.Status() == StatusBypass {
			t.Errorf("breaker %s: the writing process read %q (%v): its member's invalidation was delivered, it should use the cache", state, b.Title, rec.Status())
		}
	}
	node.Resume()
	paused = false
	// The paused master's part: Close's last attempt, which the breaker
	// (open for an hour) does not hold back, delivers it.
	if err := writer.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if b, _ := getBook(ctx, otherList, r, 0); b.Title != "v2" {
		t.Fatalf("another process read the list as %q after the retry was delivered", b.Title)
	}
}
