package cache

import (
	"context"
	"testing"
	"time"
)

// TestTrackedConnectionClosedByRedis: Redis closes idle clients after its
// `timeout`, tracking connections included (only pub/sub clients are
// spared), and with them the tracking of the keys they read. The tracker,
// whose hits make no round trip, must not keep serving versions Redis no
// longer tells it about: another process's write must reach it within a
// bounded delay.
func TestTrackedConnectionClosedByRedis(t *testing.T) {
	reader, writer, client := trackedPair(t)
	ctx := context.Background()
	if err := client.ConfigSet(ctx, "timeout", "1").Err(); err != nil {
		t.Fatal(err)
	}
	m := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("v1")
	getBook(ctx, m, r, 1)
	settle(t, reader)
	getBook(ctx, m, r, 1) // tracked from here on
	// Near hits without a round trip while Redis closes the idle tracking
	// connections.
	for start := time.Now(); time.Since(start) < 3*time.Second; time.Sleep(10 * time.Millisecond) {
		if b, _ := getBook(ctx, m, r, 1); b.Title != "v1" {
			t.Fatalf("%q", b.Title)
		}
	}
	v2 := "v2"
	r.title.Store(&v2)
	if err := writer.Invalidate(ctx, "books"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		if b, _ := getBook(ctx, m, r, 1); b.Title == "v2" {
			t.Logf("the write reached the reader after %v", time.Since(start))
			return
		}
		if time.Since(start) > 3*time.Second {
			t.Fatalf("3s after another process's write, the tracked reader still serves the data from before it")
		}
		time.Sleep(time.Millisecond)
	}
}
