package generator

import (
	"strings"
	"testing"
	"time"
)

func TestParseRefresh(t *testing.T) {
	a, msgs := parse(t, "//cache:expire=5m namespace=books refresh=30s")
	if len(msgs) > 0 || a.refresh != 30*time.Second {
		t.Fatalf("got %+v, %v", a, msgs)
	}
	a, msgs = parse(t, "//cache:expire=300 namespace=books refresh=30")
	if len(msgs) > 0 || a.refresh != 30*time.Second {
		t.Fatalf("whole seconds: %+v, %v", a, msgs)
	}
	for text, want := range map[string]string{
		"//cache:expire=60 namespace=books refresh=60":  "a.go:1:44: refresh=1m0s must be shorter than expire=1m0s",
		"//cache:expire=60 namespace=books refresh=2m":  "must be shorter than expire=",
		"//cache:expire=60 namespace=books refresh=0":   "refresh=0 must be positive",
		"//cache:expire=60 namespace=books refresh=x":   "bad refresh=x",
		"//cache:expire=60 namespace=books refresh":     "refresh needs a value: write refresh=30",
		"//cache:invalidate namespace=books refresh=30": "refresh= applies to cached reads",
		"//cache:expire=60 namespace=books refesh=30":   `did you mean "refresh"?`,
	} {
		a, msgs := parse(t, text)
		if a != nil || !strings.Contains(strings.Join(msgs, "\n"), want) {
			t.Errorf("%s: got %v, want a diagnostic containing %q", text, msgs, want)
		}
	}
}
