package regcheck

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

func w(key, v string, proc int, inv, resp int64) Op {
	return Op{Key: key, Kind: Write, Value: v, Proc: proc, Inv: inv, Resp: resp}
}

func r(key, v string, proc int, inv, resp int64) Op {
	return Op{Key: key, Kind: Read, Value: v, Proc: proc, Inv: inv, Resp: resp}
}

// reasons returns the reasons of the violations, in order.
func reasons(res Result) []string {
	var out []string
	for _, v := range res.Violations {
		out = append(out, v.Reason)
	}
	return out
}

func TestCheck(t *testing.T) {
	for _, c := range []struct {
		name string
		ops  []Op
		opts Options
		want []string // reasons of the violations
	}{
		{"initial value before any write", []Op{r("k", "", 1, 0, 1)}, Options{}, nil},
		{"last completed write", []Op{w("k", "a", 1, 0, 1), r("k", "a", 2, 2, 3)}, Options{}, nil},
		{"stale after a completed write", []Op{w("k", "a", 1, 0, 1), w("k", "b", 1, 2, 3), r("k", "a", 2, 4, 5)}, Options{}, []string{"stale"}},
		{"initial value after a completed write", []Op{w("k", "a", 1, 0, 1), r("k", "", 2, 2, 3)}, Options{}, []string{"stale"}},
		{"old value during a concurrent write", []Op{w("k", "a", 1, 0, 1), w("k", "b", 1, 2, 6), r("k", "a", 2, 3, 4)}, Options{}, nil},
		{"new value during a concurrent write", []Op{w("k", "a", 1, 0, 1), w("k", "b", 1, 2, 6), r("k", "b", 2, 3, 4)}, Options{}, nil},
		{"write that started before the read ended", []Op{w("k", "b", 1, 3, 9), r("k", "b", 2, 0, 4)}, Options{}, nil},
		{"value from the future", []Op{r("k", "b", 2, 0, 4), w("k", "b", 1, 5, 9)}, Options{}, []string{"future"}},
		{"value never written", []Op{r("k", "x", 2, 0, 4)}, Options{}, []string{"unknown value"}},
		{"either of two concurrent writes", []Op{w("k", "a", 1, 0, 5), w("k", "b", 2, 1, 4), r("k", "a", 3, 6, 7), r("k", "b", 3, 8, 9)}, Options{}, nil},
		{"overwritten by a write that began after it completed", []Op{w("k", "a", 1, 0, 5), w("k", "b", 2, 1, 4), w("k", "c", 2, 6, 7), r("k", "a", 3, 8, 9), r("k", "b", 3, 8, 9)}, Options{}, []string{"stale", "stale"}},
		{"a completed write begun during the old one does not overwrite it", []Op{w("k", "a", 1, 0, 5), w("k", "b", 2, 1, 2), r("k", "a", 3, 6, 7)}, Options{}, nil},
		{"keys are separate", []Op{w("k", "a", 1, 0, 1), w("j", "b", 1, 2, 3), r("k", "a", 2, 4, 5), r("j", "", 2, 4, 5)}, Options{}, []string{"stale"}},
		{"repeated value: one write justifies it", []Op{w("k", "-", 1, 0, 1), w("k", "a", 1, 2, 3), w("k", "-", 1, 4, 5), r("k", "-", 2, 6, 7)}, Options{}, nil},
		{"repeated value: every write overwritten", []Op{w("k", "-", 1, 0, 1), w("k", "a", 1, 2, 3), r("k", "-", 2, 6, 7)}, Options{}, []string{"stale"}},
		{"within the lag", []Op{w("k", "a", 1, 0, 1), w("k", "b", 1, 2, 3), r("k", "a", 2, 13, 14)}, Options{Lag: 10}, nil},
		{"beyond the lag", []Op{w("k", "a", 1, 0, 1), w("k", "b", 1, 2, 3), r("k", "a", 2, 14, 15)}, Options{Lag: 10}, []string{"stale"}},
		{"same process: another's write does not overwrite", []Op{w("k", "a", 1, 0, 1), w("k", "b", 1, 2, 3), r("k", "a", 2, 4, 5)}, Options{SameProcess: true}, nil},
		{"same process: its own write overwrites", []Op{w("k", "a", 1, 0, 1), w("k", "b", 2, 2, 3), r("k", "a", 2, 4, 5)}, Options{SameProcess: true}, []string{"stale"}},
		{"same process: reader that never wrote", []Op{w("k", "a", 1, 0, 1), r("k", "", 2, 4, 5)}, Options{SameProcess: true}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := Check(c.ops, c.opts)
			if got := reasons(res); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("violations %v, want reasons %v", res.Violations, c.want)
			}
		})
	}
}

func TestCheckReportsStaleness(t *testing.T) {
	ops := []Op{w("k", "a", 1, 0, 10), w("k", "b", 1, 20, 30), w("k", "c", 2, 22, 25), r("k", "a", 3, 100, 101)}
	res := Check(ops, Options{})
	if len(res.Violations) != 1 || res.Stale != 1 {
		t.Fatalf("got %+v, want one stale read", res)
	}
	v := res.Violations[0]
	// c completed first among the writes that overwrote a: at 25.
	if v.Staleness != 75 || v.Overwrite.Value != "c" || v.Write.Value != "a" || res.MaxStaleness != 75 {
		t.Fatalf("got %v (max %d), want stale by 75, overwritten by c", v, res.MaxStaleness)
	}
	// Lag hides the violation, not the count.
	res = Check(ops, Options{Lag: 75})
	if len(res.Violations) != 0 || res.Stale != 1 || res.Reads != 1 || res.Writes != 3 || res.Keys != 1 {
		t.Fatalf("with Lag 75: %+v", res)
	}
}

// TestCheckAgreesWithTheDefinition compares Check with a direct reading of
// the definition, on random histories of a few overlapping operations.
func TestCheckAgreesWithTheDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for n := range 3000 {
		var ops []Op
		for range 2 + rng.IntN(8) {
			inv := rng.Int64N(40)
			o := Op{Key: "k", Proc: rng.IntN(3), Inv: inv, Resp: inv + 1 + rng.Int64N(10)}
			if rng.IntN(2) == 0 {
				o.Kind, o.Value = Write, fmt.Sprint(rng.IntN(4))
			} else {
				o.Kind, o.Value = Read, fmt.Sprint(rng.IntN(5)-1)
				if o.Value == "-1" {
					o.Value = ""
				}
			}
			ops = append(ops, o)
		}
		same := n%2 == 1
		res := Check(ops, Options{SameProcess: same})
		if want := naive(ops, same); len(res.Violations) != want {
			t.Fatalf("history %v (same process %v): %d violations, the definition says %d", ops, same, len(res.Violations), want)
		}
		stale := 0
		for _, v := range res.Violations {
			if v.Reason == "stale" {
				stale++
			}
		}
		if stale != res.Stale {
			t.Fatalf("history %v: %d stale violations, Stale says %d", ops, stale, res.Stale)
		}
	}
}

// naive counts the reads of ops that are not regular, straight from the
// definition of the package doc, in O(n³).
func naive(ops []Op, sameProcess bool) (bad int) {
	for _, rd := range ops {
		if rd.Kind != Read {
			continue
		}
		ok := false
		if rd.Value == "" { // the initial write: overwritten by any preceding write
			ok = true
			for _, o := range ops {
				if o.Kind == Write && o.Resp < rd.Inv && (!sameProcess || o.Proc == rd.Proc) {
					ok = false
				}
			}
		}
		for _, wr := range ops {
			if ok || wr.Kind != Write || wr.Value != rd.Value || wr.Inv >= rd.Resp {
				continue
			}
			ok = true
			for _, o := range ops {
				if o.Kind == Write && wr.Resp < o.Inv && o.Resp < rd.Inv && (!sameProcess || o.Proc == rd.Proc) {
					ok = false
				}
			}
		}
		if !ok {
			bad++
		}
	}
	return bad
}
