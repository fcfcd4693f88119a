package cache

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// goid returns the calling goroutine's number.
func goid() string {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	id, _, _ := bytes.Cut(bytes.TrimPrefix(buf, []byte("goroutine ")), []byte(" "))
	return string(id)
}

func TestWorkersReuseAGoroutine(t *testing.T) {
	var w workers
	ids := make(chan string)
	// A goroutine waits for the next function once its own has returned:
	// a later start finds one of the earlier goroutines. Which one is up to
	// the scheduler, and a loaded machine may keep a goroutine from its
	// wait for a while, so each start comes a little after the one before,
	// and any earlier goroutine counts.
	seen := map[string]bool{}
	for range 100 {
		w.start(func() { ids <- goid() })
		id := <-ids
		if seen[id] {
			return
		}
		seen[id] = true
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("100 functions started a millisecond apart ran on %d goroutines, none reused", len(seen))
}

func TestWorkersEndWhenIdle(t *testing.T) {
	before := runtime.NumGoroutine()
	var w workers
	release := make(chan struct{})
	for range 8 {
		w.start(func() { <-release })
	}
	if n := runtime.NumGoroutine(); n < before+8 {
		t.Fatalf("%d goroutines for 8 functions running at once, want %d more than %d", n, 8, before)
	}
	close(release)
	waitFor(t, "the idle goroutines end", func() bool { return runtime.NumGoroutine() <= before })
}
