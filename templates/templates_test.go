package templates

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dave/jennifer/jen"
)

func TestNamer(t *testing.T) {
	n := newNamer([]string{"cache", "r"})
	got := []string{n.name("r"), n.name("ctx"), n.name("ctx"), n.name("_"), n.name(""), n.name("cache")}
	want := []string{"r2", "ctx", "ctx2", "p", "p2", "cache2"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestDurationCode(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour:               "time.Hour",
		90 * time.Minute:        "90 * time.Minute",
		300 * time.Second:       "5 * time.Minute",
		1500 * time.Millisecond: "1500 * time.Millisecond",
		time.Millisecond + 1:    "time.Duration(1000001)",
	} {
		f := jen.NewFile("x")
		f.Var().Id("d").Op("=").Add(durationCode(d))
		got := fmt.Sprintf("%#v", f)
		if !contains(got, "var d = "+want) {
			t.Errorf("%v: got %s, want %s", d, got, want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
