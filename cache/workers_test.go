package cache

import (
	"bytes"
	"runtime"
	"testing"
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
	w.start(func() { ids <- goid() })
	first := <-ids
	// The first goroutine waits for the next function once it has
	// returned: one of the next starts finds it.
	reused := false
	for range 100 {
		w.start(func() { ids <- goid() })
		if <-ids == first {
			reused = true
			break
		}
	}
	if !reused {
		t.Fatal("no later function ran on the first function's goroutine")
	}
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
