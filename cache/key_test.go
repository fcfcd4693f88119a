package cache

import (
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
