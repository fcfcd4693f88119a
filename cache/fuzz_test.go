package cache

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// fuzzArgs is the argument list of a method (s string, l []string, p *int64,
// f float64), as a fuzzer generates it.
type fuzzArgs struct {
	s     string
	l     []string
	p     *int64
	f     float64
	fBits uint64
}

func makeArgs(s, list string, nilList bool, n int64, nilPtr bool, f float64) fuzzArgs {
	a := fuzzArgs{s: s, f: f, fBits: math.Float64bits(f)}
	if !nilList {
		a.l = []string{}
		if list != "" {
			a.l = strings.Split(list, "\x00")
		}
	}
	if !nilPtr {
		a.p = &n
	}
	return a
}

func (a fuzzArgs) key() string {
	k := Key{buf: []byte("p:{ns}:R.M"), sep: true}
	k.String(a.s)
	if a.l == nil {
		k.Nil()
	} else {
		k.Open('[')
		for _, e := range a.l {
			k.String(e)
		}
		k.Close(']')
	}
	if a.p == nil {
		k.Nil()
	} else {
		k.Ref()
		k.Int(*a.p)
	}
	k.Float(a.f)
	return string(k.buf)
}

func (a fuzzArgs) equal(b fuzzArgs) bool {
	if a.s != b.s || (a.l == nil) != (b.l == nil) || len(a.l) != len(b.l) || (a.p == nil) != (b.p == nil) {
		return false
	}
	for i := range a.l {
		if a.l[i] != b.l[i] {
			return false
		}
	}
	if a.p != nil && *a.p != *b.p {
		return false
	}
	// Floats: the key is strconv's shortest form, which tells every value
	// apart but one NaN from another.
	return a.fBits == b.fBits || (math.IsNaN(a.f) && math.IsNaN(b.f))
}

// FuzzKeyCollisionFree checks that two argument lists give the same key
// exactly when they are equal.
func FuzzKeyCollisionFree(f *testing.F) {
	f.Add("a", "b:c", false, int64(1), false, 1.5, "a:b", "c", false, int64(1), false, 1.5)
	f.Add("", "", false, int64(0), true, 0.0, "", "", true, int64(0), true, 0.0)
	f.Add("", "\x00", false, int64(0), true, 0.0, "", "", false, int64(0), true, 0.0)
	f.Add("~", "", true, int64(-1), false, math.Copysign(0, -1), "", "~", false, int64(-1), false, 0.0)
	f.Add("%3A", ",", false, int64(7), false, math.Inf(1), ":", "%2C", false, int64(7), false, math.Inf(1))
	f.Fuzz(func(t *testing.T, s1, l1 string, nl1 bool, n1 int64, np1 bool, f1 float64, s2, l2 string, nl2 bool, n2 int64, np2 bool, f2 float64) {
		a, b := makeArgs(s1, l1, nl1, n1, np1, f1), makeArgs(s2, l2, nl2, n2, np2, f2)
		ka, kb := a.key(), b.key()
		if (ka == kb) != a.equal(b) {
			t.Fatalf("args %+v and %+v: keys %q and %q", a, b, ka, kb)
		}
		if strings.ContainsAny(ka[len("p:{ns}:R.M"):], "{}*? \n") {
			t.Fatalf("key %q has characters the layout escapes", ka)
		}
	})
}

// FuzzParseEntry checks that no value read from Redis makes the entry
// decoder panic, and that what it accepts is well-formed.
func FuzzParseEntry(f *testing.F) {
	f.Add([]byte("cg1:json:aaaa,bbbb\n{}"), "aaaa", "bbbb")
	f.Add([]byte("cg1:json:aaaa\n"), "aaaa", "")
	f.Add([]byte("cg1:json:"), "", "")
	f.Add([]byte("cg1::\n"), "", "")
	f.Add([]byte("\x00\xff"), "x", "y")
	f.Fuzz(func(t *testing.T, entry []byte, v1, v2 string) {
		versions := [][]byte{[]byte(v1)}
		if v2 != "" {
			versions = append(versions, []byte(v2))
		}
		payload, _, current, err := parseEntry(entry, "json", versions)
		if err != nil && current {
			t.Fatal("an entry both current and malformed")
		}
		if current && !bytes.HasSuffix(entry, payload) {
			t.Fatalf("payload %q is not the end of entry %q", payload, entry)
		}
		// An entry this package writes is read back as current.
		var tokens []string
		for _, v := range versions {
			if !validToken(v) {
				return
			}
			tokens = append(tokens, string(v))
		}
		written := append(appendEntryHeader(nil, "json", tokens), entry...)
		got, alg, current, err := parseEntry(written, "json", versions)
		if err != nil || !current || alg != 0 || !bytes.Equal(got, entry) {
			t.Fatalf("written entry %q: payload %q, current %v, %v", written, got, current, err)
		}
	})
}
