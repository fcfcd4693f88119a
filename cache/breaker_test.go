package cache

import (
	"context"
	"errors"
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
	down map[string]bool
	err  error // what a down server returns
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
