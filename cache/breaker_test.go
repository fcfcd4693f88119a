package cache

import (
	"errors"
	"testing"
	"time"
)

func TestBreakerStates(t *testing.T) {
	now := time.Unix(0, 0)
	var changes []bool
	b := &breaker{threshold: 3, cooldown: time.Second, now: func() time.Time { return now },
		onChange: func(open bool, _ error) { changes = append(changes, open) }}
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
