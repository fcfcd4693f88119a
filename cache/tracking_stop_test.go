package cache

import (
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
)

// TestCloseWhileTrackingSetsUp: a Cache closed while its tracker is still
// setting up a single Redis's subscriber (the confirmation of its
// SUBSCRIBE held on its way) returns from Close once the set-up ends. It
// hung: the subscriber, set up after Close had reset the tracker, was
// never closed, and its listener waited on it forever (a peers' benchmark
// hung for 12 minutes, closing a tracked cache right after making it).
func TestCloseWhileTrackingSetsUp(t *testing.T) {
	srv := redistest.Start(t)
	var hold gate
	client := holdSubClient(t, srv.Addr(), &hold)
	release := hold.close()
	defer release()
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet))
	waitFor(t, "the subscriber's confirmation is held", func() bool { return hold.waiting.Load() > 0 })

	closed := make(chan struct{})
	go func() {
		c.Close()
		close(closed)
	}()
	// Close has reset the tracker (no subscriber to close yet); then the
	// set-up goes on.
	waitFor(t, "Close resets the tracker", func() bool { return c.tracker.resets.Load() > 0 })
	time.Sleep(10 * time.Millisecond)
	release()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return within 5s of the tracking's set-up ending")
	}
}
