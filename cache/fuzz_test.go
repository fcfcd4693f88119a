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

// makeArgs builds an argument list; s is repeated rep times (modulo 2048),
// so that some keys go over maxKeyArgs and are hashed.
func makeArgs(s string, rep uint16, list string, nilList bool, n int64, nilPtr bool, f float64) fuzzArgs {
	if rep > 1 {
		s = strings.Repeat(s, int(rep%2048))
	}
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

const fuzzPrefix = "p:{ns}:R.M"

func (a fuzzArgs) key() string {
	k := Key{buf: []byte(fuzzPrefix), sep: true, args: len(fuzzPrefix)}
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
	return k.entry()
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
// exactly when they are equal, long (hashed) lists included.
func FuzzKeyCollisionFree(f *testing.F) {
	f.Add("a", uint16(0), "b:c", false, int64(1), false, 1.5, "a:b", uint16(0), "c", false, int64(1), false, 1.5)
	f.Add("", uint16(0), "", false, int64(0), true, 0.0, "", uint16(0), "", true, int64(0), true, 0.0)
	f.Add("", uint16(0), "\x00", false, int64(0), true, 0.0, "", uint16(0), "", false, int64(0), true, 0.0)
	f.Add("~", uint16(0), "", true, int64(-1), false, math.Copysign(0, -1), "", uint16(0), "~", false, int64(-1), false, 0.0)
	f.Add("%3A", uint16(0), ",", false, int64(7), false, math.Inf(1), ":", uint16(0), "%2C", false, int64(7), false, math.Inf(1))
	// Around maxKeyArgs: 1,010 bytes of argument plus the rest, hashed or not.
	f.Add("ab", uint16(505), "x", false, int64(1), false, 1.0, "ab", uint16(506), "x", false, int64(1), false, 1.0)
	f.Add("ab", uint16(600), "x", false, int64(1), false, 1.0, "ab", uint16(600), "y", false, int64(1), false, 1.0)
	f.Add("é*", uint16(400), "", false, int64(1), true, 1.0, "é*", uint16(400), "", false, int64(2), true, 1.0)
	f.Fuzz(func(t *testing.T, s1 string, r1 uint16, l1 string, nl1 bool, n1 int64, np1 bool, f1 float64, s2 string, r2 uint16, l2 string, nl2 bool, n2 int64, np2 bool, f2 float64) {
		a, b := makeArgs(s1, r1, l1, nl1, n1, np1, f1), makeArgs(s2, r2, l2, nl2, n2, np2, f2)
		ka, kb := a.key(), b.key()
		if (ka == kb) != a.equal(b) {
			t.Fatalf("args %+v and %+v: keys %q and %q", a, b, ka, kb)
		}
		args := ka[len(fuzzPrefix):]
		if i := strings.IndexByte(args, hashMarker); i >= 0 {
			if len(args) != i+1+64 || i > hashedPrefix || !strings.HasPrefix(args[:i], ":") {
				t.Fatalf("hashed key %q: want the first bytes of the arguments, %c and a SHA-256", ka, hashMarker)
			}
			args = args[:i]
		} else if len(args) > maxKeyArgs {
			t.Fatalf("key of %d bytes of arguments is not hashed", len(args))
		}
		if strings.ContainsAny(args, "{}*? \n") {
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
	f.Add([]byte("cg1:!0:aaaa\n"), "aaaa", "")
	f.Add([]byte("cg1:!x:aaaa\n"), "aaaa", "")
	f.Add([]byte("cg1:!1:aaaa\nx"), "aaaa", "")
	f.Fuzz(func(t *testing.T, entry []byte, v1, v2 string) {
		versions := [][]byte{[]byte(v1)}
		if v2 != "" {
			versions = append(versions, []byte(v2))
		}
		payload, nf, _, current, err := parseEntry(entry, "json", versions)
		if err != nil && current {
			t.Fatal("an entry both current and malformed")
		}
		if nf >= 0 && !current {
			t.Fatalf("a not-found entry %q: current %v, payload %q", entry, current, payload) // its payload is the record of an ErrorAs error
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
		got, nf, alg, current, err := parseEntry(written, "json", versions)
		if err != nil || !current || nf != -1 || alg != 0 || !bytes.Equal(got, entry) {
			t.Fatalf("written entry %q: payload %q, current %v, not-found %d, %v", written, got, current, nf, err)
		}
		// And a not-found entry as one.
		written = appendNotFoundHeader(nil, 3, tokens)
		if _, nf, _, current, err := parseEntry(written, "json", versions); err != nil || !current || nf != 3 {
			t.Fatalf("written not-found entry %q: current %v, not-found %d, %v", written, current, nf, err)
		}
	})
}
