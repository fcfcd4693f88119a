package cache

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The single flight under faults: the load outlives the caller that started
// it, its errors are shared, and Goexit, panics and foreign types reach the
// callers as errors, panics and misses.

// fetchAll runs n Fetch calls of m, one every gap, each with a context of
// its own from newCtx (given the call's index), and returns their errors
// once all have returned, or fails the test after limit.
func fetchAll[T any](t *testing.T, m *Method, n int, gap time.Duration, newCtx func(i int) (context.Context, context.CancelFunc), load func(context.Context) (T, error), limit time.Duration) []error {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := newCtx(i)
			defer cancel()
			_, errs[i] = Fetch(ctx, m, m.Key(), load)
		}()
		time.Sleep(gap)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("callers still waiting after %v", limit)
	}
	return errs
}

func TestFlightOutlivesCallerDeadlines(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			var log eventLog
			c := New(sc.store(t), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithLogger(quiet))
			m := c.Method("R.Slow", time.Minute, "ns")
			var loads atomic.Int64
			load := func(ctx context.Context) (string, error) {
				loads.Add(1)
				select {
				case <-ctx.Done():
					return "", ctx.Err()
				case <-time.After(200 * time.Millisecond):
					return "value", nil
				}
			}
			// 200 callers arrive over 300 ms, each giving up after 100 ms
			// but the second, which keeps the load wanted however slowly
			// the machine runs the others: the load outlives the caller
			// that started it.
			deadline := func(i int) (context.Context, context.CancelFunc) {
				if i == 1 {
					return context.Background(), func() {}
				}
				return context.WithTimeout(context.Background(), 100*time.Millisecond)
			}
			errs := fetchAll(t, m, 200, 1500*time.Microsecond, deadline, load, 5*time.Second)
			timedOut := 0
			for _, err := range errs {
				if err != nil && !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("caller: %v, want a value or its own deadline", err)
				}
				if err != nil {
					timedOut++
				}
			}
			t.Logf("%d loads for 200 callers with 100 ms deadlines and a 200 ms load; %d callers timed out", loads.Load(), timedOut)
			if n := loads.Load(); n != 1 {
				t.Fatalf("%d repository loads, want 1: the flight did not outlive its leader", n)
			}
			rctx, rec := Record(context.Background())
			if v, err := Fetch(rctx, m, m.Key(), load); err != nil || v != "value" || rec.Status() != StatusHit {
				t.Fatalf("after the flight: %q, %v, %v; want a hit: the result was not stored", v, err, rec.Status())
			}
		})
	}
}

func TestFlightSharesTheLoadsOwnTimeout(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet))
	m := c.Method("R.Slow", time.Minute, "ns")
	var loads atomic.Int64
	load := func(ctx context.Context) (string, error) {
		loads.Add(1)
		qctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond) // the repository's query timeout
		defer cancel()
		<-qctx.Done()
		return "", qctx.Err()
	}
	background := func(int) (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	errs := fetchAll(t, m, 100, 0, background, load, 5*time.Second)
	for _, err := range errs {
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("caller: %v, want the load's own timeout", err)
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("%d repository loads for 100 callers whose contexts did not end, want 1", n)
	}
}

func TestFlightStoresAfterEveryCallerLeft(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet))
	m := c.Method("R.Slow", time.Minute, "ns")
	stored := make(chan struct{})
	cancelled := make(chan bool, 1)
	load := func(ctx context.Context) (string, error) {
		time.Sleep(150 * time.Millisecond) // a repository that ignores its context
		cancelled <- ctx.Err() != nil
		defer close(stored)
		return "late", nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if _, err := Fetch(ctx, m, m.Key(), load); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller: %v, want its deadline", err)
	}
	if !<-cancelled {
		t.Error("the load's context was not cancelled when its only caller left")
	}
	<-stored
	// The late result is stored after its load returned: until it is, a
	// read misses. Those reads must not store a result of their own, so
	// their load fails (errors are not cached).
	errNotYet := errors.New("not stored yet")
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		rctx, rec := Record(context.Background())
		v, err := Fetch(rctx, m, m.Key(), func(context.Context) (string, error) { return "", errNotYet })
		if rec.Status() == StatusHit && v == "late" && err == nil {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("the late result was not stored: %q, %v, %v", v, err, rec.Status())
		}
	}
}

func TestFlightGoexitReachesEveryCaller(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet))
	m := c.Method("R.Mocked", time.Minute, "ns")
	release := make(chan struct{})
	load := func(ctx context.Context) (string, error) {
		<-release
		runtime.Goexit() // what t.Fatal does inside a mocked repository
		return "", nil
	}
	go func() { time.Sleep(50 * time.Millisecond); close(release) }()
	background := func(int) (context.Context, context.CancelFunc) { return context.Background(), func() {} }
	errs := fetchAll(t, m, 10, 0, background, load, 5*time.Second)
	for _, err := range errs {
		if !errors.Is(err, errLoadExited) {
			t.Fatalf("caller: %v, want errLoadExited", err)
		}
	}
}

// loadThatPanics is a named function, so its frame shows in stacks.
func loadThatPanics(release chan struct{}) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		<-release
		panic(errors.New("repository exploded"))
	}
}

func TestFlightPanicReachesCallersWithItsStack(t *testing.T) {
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet))
	m := c.Method("R.Panics", time.Minute, "ns")
	release := make(chan struct{})
	load := loadThatPanics(release)
	const n = 5
	panics := make(chan any, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { panics <- recover() }()
			Fetch(context.Background(), m, m.Key(), load)
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	close(panics)
	for p := range panics {
		err, ok := p.(error)
		if !ok {
			t.Fatalf("caller recovered %v (%T), want an error", p, p)
		}
		if !strings.Contains(err.Error(), "repository exploded") || !strings.Contains(err.Error(), "loadThatPanics") {
			t.Fatalf("the panic lost the load's stack: %v", err)
		}
		if errors.Unwrap(err) == nil || errors.Unwrap(err).Error() != "repository exploded" {
			t.Fatalf("the panic does not wrap the original error: %v", err)
		}
	}
}

func TestFlightPanicWithoutCallersIsReported(t *testing.T) {
	var mu sync.Mutex
	var faults []Event
	observe := func(_ context.Context, e Event) {
		if e.Kind == EventError {
			mu.Lock()
			faults = append(faults, e)
			mu.Unlock()
		}
	}
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet), WithObserver(observe))
	m := c.Method("R.Panics", time.Minute, "ns")
	release := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := Fetch(ctx, m, m.Key(), loadThatPanics(release)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("caller: %v", err)
	}
	close(release) // the load panics on its own goroutine, with no caller left
	for start := time.Now(); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(faults)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatal("the panic of a load nobody waited for was not reported")
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if e := faults[0]; e.Op != "load" || e.Method != "R.Panics" || !strings.Contains(fmt.Sprint(e.Err), "loadThatPanics") {
		t.Fatalf("fault %+v, want op load with the panic's stack", e)
	}
}

func TestFlightOfAnotherTypeIsAMiss(t *testing.T) {
	// Two methods that share a name and namespace but not a result type
	// (entry identity is issue #9's) join one flight.
	var log eventLog
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithLogger(quiet), WithObserver(log.observe))
	ms := c.Method("R.Get", time.Minute, "ns")
	mi := c.Method("R.Get", time.Minute, "ns")
	release := make(chan struct{})
	go func() {
		Fetch(context.Background(), ms, ms.Key(), func(context.Context) (string, error) { <-release; return "text", nil })
	}()
	time.Sleep(20 * time.Millisecond)
	go func() { time.Sleep(30 * time.Millisecond); close(release) }()
	var v int
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				t.Fatalf("a flight of another type panicked: %v", p)
			}
		}()
		v, err = Fetch(context.Background(), mi, mi.Key(), func(context.Context) (int, error) { return 42, nil })
	}()
	if err != nil || v != 42 {
		t.Fatalf("%d, %v; want the caller's own load, 42", v, err)
	}
	if log.n(EventError) == 0 {
		t.Fatal("no fault reported for a flight of another type")
	}
}
