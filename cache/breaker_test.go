package cache

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestBreakerStates(t *testing.T) {
	now := time.Unix(0, 0)
	var changes []bool
	b := &breaker{threshold: 3, cooldown: time.Second, now: func() time.Time { return now },
		onChange: func(_ string, open bool, _ error) { changes = append(changes, open) }}
	fail := errors.New("down")
	call := func(err error) (allowed bool) {
		ok, probe := b.allow()
		if ok {
			b.done(err, probe)
		}
		return ok
	}
	for i := range 3 {
		if !call(fail) {
			t.Fatalf("call %d refused before the threshold", i)
		}
	}
	if call(nil) {
		t.Fatal("open breaker let a call through before the cool-down")
	}
	now = now.Add(time.Second)
	ok, probe := b.allow() // half-open: this call probes
	if !ok || !probe {
		t.Fatalf("after the cool-down: allowed %v, probe %v", ok, probe)
	}
	if again, _ := b.allow(); again {
		t.Fatal("a second call went through while the probe was out")
	}
	b.done(fail, true) // the probe fails: open again for a full cool-down
	now = now.Add(500 * time.Millisecond)
	if call(nil) {
		t.Fatal("reopened breaker let a call through")
	}
	now = now.Add(600 * time.Millisecond)
	if !call(nil) {
		t.Fatal("no probe after the second cool-down")
	}
	if !call(nil) || !call(fail) || !call(fail) || !call(nil) {
		t.Fatal("closed breaker refused calls")
	}
	if want := []bool{true, false}; len(changes) != 2 || changes[0] != want[0] || changes[1] != want[1] {
		t.Fatalf("state changes %v, want open then closed", changes)
	}
}

// replyError is an error Redis replied with, as go-redis types them.
type replyError string

func (e replyError) Error() string { return string(e) }
func (replyError) RedisError()     {}

// nodeFake is a Store over two servers, a and b (the hash tag of a key
// names its server), where the servers in down fail as a timeout would.
type nodeFake struct {
	Store
	mu      sync.Mutex // written is appended to by the concurrent parts of a write
	down    map[string]bool
	err     error    // what a down server returns
	written []string // the keys SetVersions and Delete were called with
}

func (f *nodeFake) Get(_ context.Context, keys []string) ([][]byte, error) {
	var failed []string
	for _, k := range keys {
		if f.down[hashTag(k)] {
			failed = append(failed, k)
		}
	}
	if len(failed) == 0 {
		return make([][]byte, len(keys)), nil
	}
	return nil, &failedKeys{keys: failed, err: f.err}
}

func newNodeBreakers(f *nodeFake) *breakerStore {
	return newBreakerStore(f, hashTag, func(node string) *breaker {
		return &breaker{node: node, threshold: 3, cooldown: time.Hour, now: time.Now}
	})
}

func TestBreakerPerNode(t *testing.T) {
	f := &nodeFake{down: map[string]bool{"a": true}, err: errors.New("i/o timeout")}
	s := newNodeBreakers(f)
	ctx := context.Background()
	onA, onB, both := []string{"{a}:v", "{a}:k"}, []string{"{b}:v", "{b}:k"}, []string{"{a}:v", "{b}:v", "{b}:k"}
	// Reads spanning both servers fail on a only: a opens, b does not.
	for range 3 {
		if _, err := s.Get(ctx, both); err == nil || errors.Is(err, ErrCircuitOpen) {
			t.Fatalf("read across a failing server: %v", err)
		}
	}
	if _, err := s.Get(ctx, onA); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("a after 3 failures: %v, want the circuit open", err)
	}
	if _, err := s.Get(ctx, onB); err != nil {
		t.Fatalf("b, which answered its part of every read: %v", err)
	}
	if _, err := s.Get(ctx, both); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("a read needing a: %v, want the circuit open", err)
	}
	// b's successes do not close a, or hide its failures.
	f.down = map[string]bool{"b": true}
	for range 2 {
		s.Get(ctx, onB)
	}
	if _, err := s.Get(ctx, onB); err == nil || errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("b's third failure: %v", err)
	}
	if _, err := s.Get(ctx, onB); !errors.Is(err, ErrCircuitOpen) {
		t.Fatalf("b after 3 failures: %v, want the circuit open", err)
	}
}

func TestBreakerIgnoresReplies(t *testing.T) {
	f := &nodeFake{down: map[string]bool{"a": true}, err: replyError("OOM command not allowed when used memory > 'maxmemory'.")}
	s := newNodeBreakers(f)
	for range 10 {
		if _, err := s.Get(context.Background(), []string{"{a}:v"}); errors.Is(err, ErrCircuitOpen) {
			t.Fatal("errors Redis replied with opened the breaker")
		}
	}
}

// SetVersions and Delete of the fake: the keys on a down server fail, the
// others are written, as a pipeline over a cluster's masters does.
func (f *nodeFake) SetVersions(_ context.Context, keys, _ []string, _ []time.Duration) error {
	return f.write(keys)
}

func (f *nodeFake) Delete(_ context.Context, keys []string) error { return f.write(keys) }

func (f *nodeFake) write(keys []string) error {
	f.mu.Lock()
	f.written = append(f.written, keys...)
	f.mu.Unlock()
	var failed []string
	for _, k := range keys {
		if f.down[hashTag(k)] {
			failed = append(failed, k)
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return &failedKeys{keys: failed, err: f.err}
}

// TestBreakerWritesEachServersPart: a write of version keys on two servers
// whose breaker is open on one sets the other's keys, and names the
// skipped ones; before, it failed as a whole with the circuit open.
func TestBreakerWritesEachServersPart(t *testing.T) {
	f := &nodeFake{down: map[string]bool{"a": true}, err: errors.New("i/o timeout")}
	s := newNodeBreakers(f)
	ctx := context.Background()
	keys := []string{"{a}:v", "{b}:v", "{b}:w"}
	for range 3 { // a's breaker opens
		if err := s.SetVersions(ctx, keys, []string{"1", "2", "3"}, nil); err == nil {
			t.Fatal("a write to a down server succeeded")
		}
	}
	for name, write := range map[string]func() error{
		"SetVersions": func() error { return s.SetVersions(ctx, keys, []string{"1", "2", "3"}, []time.Duration{1, 2, 3}) },
		"Delete":      func() error { return s.Delete(ctx, keys) },
	} {
		f.written = nil
		err := write()
		var fk *failedKeys
		if !errors.Is(err, ErrCircuitOpen) || !errors.As(err, &fk) || !slices.Equal(fk.keys, []string{"{a}:v"}) {
			t.Fatalf("%s with a's circuit open: %v, want the circuit open naming {a}:v only", name, err)
		}
		if !slices.Equal(f.written, []string{"{b}:v", "{b}:w"}) {
			t.Fatalf("%s with a's circuit open wrote %v, want b's keys", name, f.written)
		}
	}
	// Every server open: nothing is written.
	f.down["b"] = true
	for range 3 {
		s.SetVersions(ctx, keys[1:], []string{"2", "3"}, nil)
	}
	f.written = nil
	if err := s.SetVersions(ctx, keys, []string{"1", "2", "3"}, nil); !errors.Is(err, ErrCircuitOpen) || len(f.written) != 0 {
		t.Fatalf("every circuit open: %v, wrote %v", err, f.written)
	}
}
