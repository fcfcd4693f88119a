package cache

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// keyOf builds a key from a method prefix and a function appending args.
func keyOf(f func(k *Key)) string {
	k := Key{buf: []byte("p"), sep: true}
	f(&k)
	return string(k.buf)
}

func TestKeyEncoding(t *testing.T) {
	ts := time.Date(2024, 3, 1, 10, 30, 0, 500, time.FixedZone("X", 3600))
	cases := []struct {
		want string
		f    func(k *Key)
	}{
		{"p:a%3Ab:c", func(k *Key) { k.String("a:b"); k.String("c") }},
		{"p:a:b%3Ac", func(k *Key) { k.String("a"); k.String("b:c") }},
		{`p:"":x`, func(k *Key) { k.String(""); k.String("x") }},
		{"p:%25%20%7B%7D%2A%3F%5B%5D%2C%28%29%7E%22%26%0A", func(k *Key) { k.String("% {}*?[],()~\"&\n") }},
		{"p:héllo", func(k *Key) { k.String("héllo") }},
		{"p:-3:7:1.5:true", func(k *Key) { k.Int(-3); k.Uint(7); k.Float(1.5); k.Bool(true) }},
		{"p:[1,2]:[]:~", func(k *Key) {
			k.Open('[')
			k.Int(1)
			k.Int(2)
			k.Close(']')
			k.Open('[')
			k.Close(']')
			k.Nil()
		}},
		{"p:(x,&5,~)", func(k *Key) {
			k.Open('(')
			k.String("x")
			k.Ref()
			k.Int(5)
			k.Nil()
			k.Close(')')
		}},
		{"p:20240301T093000.0000005Z", func(k *Key) { k.Time(ts) }},
		{"p:0x0aff:~", func(k *Key) { k.Bytes([]byte{10, 255}); k.Bytes(nil) }},
		{"p:[1,-2]", func(k *Key) { k.Complex(complex(1, -2)) }},
	}
	for _, c := range cases {
		if got := keyOf(c.f); got != c.want {
			t.Errorf("key %q, want %q", got, c.want)
		}
	}
	if a, b := keyOf(func(k *Key) { k.Time(ts) }), keyOf(func(k *Key) { k.Time(ts.UTC()) }); a != b {
		t.Errorf("equal instants give %q and %q", a, b)
	}
}

func TestKeyCollisionFree(t *testing.T) {
	// Argument lists that differ must give keys that differ. Each position
	// of a method's key holds values of one Go type, so the lists below mix
	// only what one type can produce: strings, lists of strings, pointers to
	// strings, structs of one string.
	lists := []func(k *Key){
		func(k *Key) { k.String("a"); k.String("b:c") },
		func(k *Key) { k.String("a:b"); k.String("c") },
		func(k *Key) { k.String(""); k.String("") },
		func(k *Key) { k.String(""); k.String("~") },
		func(k *Key) { k.String("~"); k.String("") },
		func(k *Key) { k.Open('['); k.Close(']'); k.String("") },
		func(k *Key) { k.Open('['); k.String(""); k.Close(']'); k.String("") },
		func(k *Key) { k.Open('['); k.String("a,b"); k.Close(']'); k.String("") },
		func(k *Key) { k.Open('['); k.String("a"); k.String("b"); k.Close(']'); k.String("") },
		func(k *Key) { k.Nil(); k.String("") },
		func(k *Key) { k.Ref(); k.String(""); k.String("") },
		func(k *Key) { k.Ref(); k.Nil(); k.String("") },
		func(k *Key) { k.Open('('); k.String("a"); k.Close(')'); k.String("") },
		func(k *Key) { k.String("(a)"); k.String("") },
	}
	seen := map[string]int{}
	for i, f := range lists {
		key := keyOf(f)
		if j, ok := seen[key]; ok {
			t.Errorf("lists %d and %d both give %q", j, i, key)
		}
		seen[key] = i
	}
	bytesKeys := map[string]bool{}
	for _, b := range [][]byte{nil, {}, {0}, {0, 0}, {1}} {
		bytesKeys[keyOf(func(k *Key) { k.Bytes(b) })] = true
	}
	if len(bytesKeys) != 5 {
		t.Errorf("5 byte slices gave %d keys", len(bytesKeys))
	}
}

func TestKeyText(t *testing.T) {
	addr := netip.MustParseAddr("2001:db8::1")
	if got, want := keyOf(func(k *Key) { k.Text(addr); k.Text(textOf("")) }), `p:2001%3Adb8%3A%3A1:""`; got != want {
		t.Errorf("key %q, want %q", got, want)
	}
	// The text is escaped as a string is: it cannot reach into the next
	// argument.
	a := keyOf(func(k *Key) { k.Text(textOf("a:b")); k.String("c") })
	b := keyOf(func(k *Key) { k.Text(textOf("a")); k.String("b:c") })
	if a == b {
		t.Errorf("two argument lists give %q", a)
	}
	var k Key
	k.Text(failingText{})
	if !k.bypass {
		t.Error("a failing MarshalText does not make the key bypass the cache")
	}
}

type textOf string

func (s textOf) MarshalText() ([]byte, error) { return []byte(s), nil }

type failingText struct{}

func (failingText) MarshalText() ([]byte, error) { return nil, errors.New("no text") }

func TestKeyHashesLongArguments(t *testing.T) {
	const prefix = "p:{ns}:R.M"
	entry := func(f func(k *Key)) string {
		k := Key{buf: []byte(prefix), sep: true, args: len(prefix)}
		f(&k)
		return k.entry()
	}
	long := strings.Repeat("é", 1<<19) // 1 MiB
	got := entry(func(k *Key) { k.String(long); k.Int(1) })
	want := prefix + ":" + strings.Repeat("é", hashedPrefix/2-1) // 127 bytes: é is 2, ':' is 1
	if !strings.HasPrefix(got, want+"*") || len(got) != len(want)+1+64 {
		t.Fatalf("key of a 1 MiB argument: %q (%d bytes), want %q, '*' and 64 hex digits", got, len(got), want)
	}
	if other := entry(func(k *Key) { k.String(long); k.Int(2) }); other == got {
		t.Fatal("two long argument lists that differ after the prefix give the same key")
	}
	// An argument that spells a hashed key's arguments gives another key: its
	// '*' is escaped.
	spelled := entry(func(k *Key) { k.String(got[len(prefix)+1:]) })
	if spelled == got || strings.Contains(spelled, "*") {
		t.Fatalf("a short argument gives %q, beside the hashed %q", spelled, got)
	}
	// At maxKeyArgs exactly, the key is kept as it is.
	edge := entry(func(k *Key) { k.String(strings.Repeat("x", maxKeyArgs-1)) })
	if len(edge) != len(prefix)+maxKeyArgs || strings.Contains(edge, "*") {
		t.Fatalf("a key of maxKeyArgs bytes of arguments was changed: %d bytes", len(edge))
	}
}

func TestSortedKeys(t *testing.T) {
	type labels map[string]int
	if got := SortedKeys(labels{"b": 1, "a": 2, "c": 3}); fmt.Sprint(got) != "[a b c]" {
		t.Errorf("SortedKeys: %v", got)
	}
	if got := SortedKeys(map[float64]bool(nil)); len(got) != 0 {
		t.Errorf("SortedKeys(nil): %v", got)
	}
}

// TestFetchBypassesUnusableKeys checks that a key marked by Bypass (a nil
// pointer on a key= path) sends every call to the repository and reports a
// bypass, and that a long key is stored under its hash and hit.
func TestFetchBypassesUnusableKeys(t *testing.T) {
	var log eventLog
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithObserver(log.observe))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("Dune")
	get := func(ctx context.Context, arg string, bypass bool) (book, error) {
		k := m.Key()
		k.String(arg)
		if bypass {
			k.Bypass()
		}
		return Fetch(ctx, m, k, func(ctx context.Context) (book, error) { return r.get(ctx, 1) })
	}
	ctx, rec := Record(context.Background())
	for range 2 {
		if b, err := get(ctx, "x", true); err != nil || b.Title != "Dune" {
			t.Fatalf("bypassed Fetch: %+v, %v", b, err)
		}
	}
	if r.loads.Load() != 2 || log.n(EventBypass) != 2 || rec.Status() != StatusBypass {
		t.Fatalf("bypassed key: %d loads (want 2), %d bypass events (want 2), status %v", r.loads.Load(), log.n(EventBypass), rec.Status())
	}
	long := strings.Repeat("a", 2*maxKeyArgs)
	for range 2 {
		get(context.Background(), long, false)
	}
	if r.loads.Load() != 3 || log.n(EventHit) != 1 {
		t.Fatalf("long key: %d loads (want 3), %d hits (want 1)", r.loads.Load(), log.n(EventHit))
	}
	if k := log.last.Load().Key; len(k) > len(m.keyPrefix)+1+hashedPrefix+1+64 {
		t.Fatalf("long key stored as %d bytes", len(k))
	}
}

// TestKeyFloatZero: -0 and 0 write one key, as they are ==: a member named
// by -0 is 0's, so a write of 0 invalidates a read of -0.
func TestKeyFloatZero(t *testing.T) {
	var a, b Key
	a.Float(math.Copysign(0, -1))
	b.Float(0)
	if string(a.buf) != string(b.buf) {
		t.Fatalf("-0 writes %q, 0 writes %q", a.buf, b.buf)
	}
}

// TestKeyTextOfNilPointer: a text marshaler or stringer whose method
// panics on the nil pointer an interface holds makes the call bypass the
// cache instead of panicking in the wrapper.
func TestKeyTextOfNilPointer(t *testing.T) {
	var addr *netip.Addr
	var k Key
	k.Text(addr)
	if !k.bypass {
		t.Fatal("Text of a nil *netip.Addr: no bypass")
	}
	var s Key
	s.Stringer(addr)
	if !s.bypass {
		t.Fatal("Stringer of a nil *netip.Addr: no bypass")
	}
	var ok Key
	ok.Stringer(netip.MustParseAddr("10.0.0.1"))
	if ok.bypass || string(ok.buf) != "10.0.0.1" {
		t.Fatalf("Stringer of 10.0.0.1: %q, bypass %v", ok.buf, ok.bypass)
	}
}
