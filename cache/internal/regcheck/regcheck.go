// Package regcheck checks recorded histories of reads and writes against a
// regular register per key, for the runtime's tests.
//
// A history is a set of operations, each on one key, each with the instant
// it was invoked and the instant it completed on one clock shared by every
// process that recorded them (any int64 unit: the checker only compares
// them). A write stores a value; a read returns one. A key starts with
// Options.Init, as if written by a write that completed before everything.
//
// Definition. A write w precedes an operation o when w completed before o
// was invoked (w.Resp < o.Inv). A read r that returned v is regular when
// some write w of v on r's key (the initial one included)
//
//  1. was invoked before r completed (w.Inv < r.Resp: r did not read the
//     future), and
//  2. was not overwritten before r began: no write w' on the key was
//     invoked after w completed and completed before r was invoked
//     (w.Resp < w'.Inv and w'.Resp < r.Inv).
//
// So r returns the value of a write that precedes it and that no other
// write preceding r follows, or of a write concurrent with r: the last
// write completed before it began, or a concurrent one. Writes concurrent
// with each other may complete in either order, so every one of them that
// no later write follows counts as last. A read is stale when every write
// of its value satisfies 1 and fails 2; its staleness is how long before r
// was invoked the earliest overwriting write completed, for the write of
// v that minimises it.
//
// Options.Lag tolerates stale reads whose staleness is at most Lag (a
// register that is regular up to a delay); Options.SameProcess only counts
// overwriting writes of the reading process (a register that is regular
// for each process's own writes).
//
// Values need not be unique: a read of a value several writes stored (a
// not-found, say) is regular if one of them makes it so. Check runs in
// O(n log n).
package regcheck

import (
	"fmt"
	"sort"
)

// Kind is the kind of an operation.
type Kind int

// The kinds of operation.
const (
	Write Kind = iota
	Read
)

// Op is one operation of a history.
type Op struct {
	Key   string
	Kind  Kind
	Value string // written, or returned
	Proc  int    // the process that made it
	Inv   int64  // when it was invoked
	Resp  int64  // when it completed; at least Inv
}

func (o Op) String() string {
	k := "write"
	if o.Kind == Read {
		k = "read"
	}
	return fmt.Sprintf("%s %s=%q by %d [%d, %d]", k, o.Key, o.Value, o.Proc, o.Inv, o.Resp)
}

// Options change what Check accepts.
type Options struct {
	Init        string // every key's value before the first write
	Lag         int64  // stale reads up to this staleness are accepted
	SameProcess bool   // only writes of the reading process overwrite
}

// Violation is a read Check rejects.
type Violation struct {
	Read Op
	// Write is the write of the value read that came closest to making it
	// regular, with Overwrite, the write that had overwritten it when the
	// read began, and Staleness, Read.Inv - Overwrite.Resp. All zero when
	// no write of the value was invoked before the read completed (Reason
	// says which).
	Write, Overwrite Op
	Staleness        int64
	Reason           string // "stale", "future" or "unknown value"
}

func (v Violation) String() string {
	if v.Reason != "stale" {
		return fmt.Sprintf("%s: %v", v.Reason, v.Read)
	}
	return fmt.Sprintf("stale by %d: %v returned %v, overwritten by %v", v.Staleness, v.Read, v.Write, v.Overwrite)
}

// Result is what Check found.
type Result struct {
	Keys, Reads, Writes int
	Violations          []Violation
	// Stale counts the stale reads, whatever Lag is, and MaxStaleness is
	// the largest staleness among them.
	Stale        int
	MaxStaleness int64
}

// Check checks every key's history in ops.
func Check(ops []Op, opts Options) Result {
	byKey := map[string][]Op{}
	for _, o := range ops {
		byKey[o.Key] = append(byKey[o.Key], o)
	}
	var res Result
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		res.Keys++
		checkKey(byKey[k], opts, &res)
	}
	return res
}

// overwrites answers, for the writes of one key (or of one process on that
// key), which write invoked after an instant completed first.
type overwrites struct {
	writes []Op  // by invocation
	first  []int // first[i]: the index of the earliest-completing write of writes[i:]
}

func newOverwrites(writes []Op) *overwrites {
	sort.Slice(writes, func(i, j int) bool { return writes[i].Inv < writes[j].Inv })
	o := &overwrites{writes: writes, first: make([]int, len(writes)+1)}
	o.first[len(writes)] = -1
	for i := len(writes) - 1; i >= 0; i-- {
		o.first[i] = i
		if j := o.first[i+1]; j >= 0 && writes[j].Resp < writes[i].Resp {
			o.first[i] = j
		}
	}
	return o
}

// after returns the write invoked after t that completed first.
func (o *overwrites) after(t int64) (Op, bool) {
	i := sort.Search(len(o.writes), func(i int) bool { return o.writes[i].Inv > t })
	if j := o.first[i]; j >= 0 {
		return o.writes[j], true
	}
	return Op{}, false
}

func checkKey(ops []Op, opts Options, res *Result) {
	const never = -1 << 63
	init := Op{Key: ops[0].Key, Value: opts.Init, Proc: -1, Inv: never, Resp: never}
	byValue := map[string][]Op{opts.Init: {init}}
	var writes []Op
	perProc := map[int][]Op{}
	for _, o := range ops {
		if o.Kind == Write {
			res.Writes++
			byValue[o.Value] = append(byValue[o.Value], o)
			writes = append(writes, o)
			perProc[o.Proc] = append(perProc[o.Proc], o)
		}
	}
	all := newOverwrites(writes)
	procs := map[int]*overwrites{}
	for p, ws := range perProc {
		procs[p] = newOverwrites(ws)
	}
	for _, r := range ops {
		if r.Kind != Read {
			continue
		}
		res.Reads++
		over := all
		if opts.SameProcess {
			over = procs[r.Proc]
		}
		v, ok := checkRead(r, byValue[r.Value], over)
		if ok {
			continue
		}
		if v.Reason == "stale" {
			res.Stale++
			res.MaxStaleness = max(res.MaxStaleness, v.Staleness)
			if v.Staleness <= opts.Lag {
				continue
			}
		}
		res.Violations = append(res.Violations, v)
	}
}

// checkRead returns whether r is regular given the writes of its value and
// the writes that may overwrite them, and if not, why.
func checkRead(r Op, candidates []Op, over *overwrites) (Violation, bool) {
	if len(candidates) == 0 {
		return Violation{Read: r, Reason: "unknown value"}, false
	}
	v := Violation{Read: r, Reason: "future"}
	for _, w := range candidates {
		if w.Inv >= r.Resp {
			continue
		}
		if over == nil {
			return Violation{}, true
		}
		o, ok := over.after(w.Resp)
		if !ok || o.Resp >= r.Inv {
			return Violation{}, true
		}
		if s := r.Inv - o.Resp; v.Reason == "future" || s < v.Staleness {
			v = Violation{Read: r, Write: w, Overwrite: o, Staleness: s, Reason: "stale"}
		}
	}
	return v, false
}
