package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"
)

// upper marshals itself.
type upper string

func (u upper) MarshalJSON() ([]byte, error) { return json.Marshal(strings.ToUpper(string(u))) }
func (u *upper) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	*u = upper(strings.ToLower(s))
	return nil
}

// point is a TextMarshaler, usable as a map key.
type point struct{ X, Y int }

func (p point) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%d,%d", p.X, p.Y), nil }
func (p *point) UnmarshalText(b []byte) error {
	_, err := fmt.Sscanf(string(b), "%d,%d", &p.X, &p.Y)
	return err
}

type Base struct {
	ID      int64     `json:"id"`
	Created time.Time `json:"created"`
}

type rich struct {
	Base
	*Extra
	Name     string             `json:"name,omitempty"`
	Renamed  int                `json:"n"`
	AsString int64              `json:"as_string,string"`
	Skipped  string             `json:"-"`
	Ptr      *float64           `json:"ptr"`
	NilPtr   *int               `json:"nil_ptr"`
	Slice    []int              `json:"slice"`
	NilSlice []string           `json:"nil_slice"`
	Empty    []string           `json:"empty"`
	Bytes    []byte             `json:"bytes"`
	Map      map[string][]int   `json:"map"`
	IntKeys  map[int]string     `json:"int_keys"`
	TextKeys map[point]bool     `json:"text_keys"`
	Custom   upper              `json:"custom"`
	Raw      json.RawMessage    `json:"raw"`
	Big      *big.Int           `json:"big"`
	Nested   map[string]*Base   `json:"nested"`
	HTML     string             `json:"html"`
	Unicode  string             `json:"unicode"`
	Arr      [3]uint8           `json:"arr"`
	Times    []time.Time        `json:"times"`
	Anon     struct{ A, B int } `json:"anon"`
}

type Extra struct {
	Note string `json:"note"`
}

func TestJSONCodecRoundTripsLikeEncodingJSON(t *testing.T) {
	f := 3.25
	loc := time.FixedZone("X", 5400)
	v := rich{
		Base:  Base{ID: 7, Created: time.Date(2024, 2, 29, 13, 14, 15, 123456789, loc)},
		Extra: &Extra{Note: "n"},
		Name:  "dune", Renamed: 3, AsString: 1 << 60, Skipped: "gone",
		Ptr: &f, Slice: []int{1, 2}, Empty: []string{}, Bytes: []byte{0, 1, 254},
		Map: map[string][]int{"a": {1}, "b": nil}, IntKeys: map[int]string{-1: "x", 2: "y"},
		TextKeys: map[point]bool{{1, 2}: true}, Custom: "shout", Raw: json.RawMessage(`{"k":[1,2]}`),
		Big: new(big.Int).Lsh(big.NewInt(1), 100), Nested: map[string]*Base{"x": {ID: 1}, "nil": nil},
		HTML: "<a href=\"x\">&</a>", Unicode: "héllo \u2028 ✓ \x01", Arr: [3]uint8{1, 2, 3},
		Times: []time.Time{{}, time.Unix(1, 1).UTC()},
	}
	v.Anon.A = 9

	want := roundTrip(t, StdJSON, v)
	got := roundTrip(t, JSON, v)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("JSON round trip differs from encoding/json's:\n got %+v\nwant %+v", got, want)
	}
	// The two codecs read each other's entries.
	for _, c := range [][2]Codec{{JSON, StdJSON}, {StdJSON, JSON}} {
		data, err := c[0].Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var back rich
		if err := c[1].Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, want) {
			t.Fatalf("cross-codec round trip differs")
		}
	}
	if !got.Created.Equal(v.Created) || got.Skipped != "" || got.Custom != "shout" || got.Big.Cmp(v.Big) != 0 {
		t.Fatalf("round trip lost data: %+v", got)
	}
}

func roundTrip(t *testing.T, c Codec, v rich) rich {
	t.Helper()
	data, err := c.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out rich
	if err := c.Unmarshal(data, &out); err != nil {
		t.Fatalf("%T: %v\n%s", c, err, data)
	}
	return out
}

func TestMsgpackCodec(t *testing.T) {
	store := NewMemoryStore()
	c := New(store, WithCodec(Msgpack))
	m := c.Method("R.Get", time.Minute, "books")
	r := newRepo("v1")
	getBook(context.Background(), m, r, 1)
	b, err := getBook(context.Background(), m, r, 1)
	if err != nil || b.Title != "v1" || len(b.Tags) != 2 || r.loads.Load() != 1 {
		t.Fatalf("msgpack hit: %+v, %v, loads %d", b, err, r.loads.Load())
	}
	// A JSON cache over the same store sees msgpack entries as misses.
	j := New(store)
	b, err = getBook(context.Background(), j.Method("R.Get", time.Minute, "books"), r, 1)
	if err != nil || b.Title != "v1" || r.loads.Load() != 2 {
		t.Fatalf("json over msgpack: %+v, %v, loads %d", b, err, r.loads.Load())
	}
}

// TestQuotedInvalidUTF8IsRefused: under the ,string option a string is
// written as JSON inside a string, so the escape of bytes that are not
// valid UTF-8 comes with its backslash escaped, as a backslash followed by
// "ufffd" does: the first is refused, the second stored and given back.
func TestQuotedInvalidUTF8IsRefused(t *testing.T) {
	type quoted struct {
		S string `json:",string"`
		M map[string]string
	}
	for _, codec := range []Codec{JSON, StdJSON} {
		for _, tc := range []struct {
			v      quoted
			stored bool
		}{
			{quoted{S: "caf\xe9"}, false},
			{quoted{S: `caf\ufffd`, M: map[string]string{"k": "caf\xe9"}}, false},
			{quoted{S: `caf\ufffd`}, true},
			{quoted{S: `\\ufffd`, M: map[string]string{`\ufffd`: "\ufffd"}}, true},
			{quoted{S: "caf\ufffd"}, true},
		} {
			data, err := codec.Marshal(&tc.v)
			if !tc.stored {
				if !errors.Is(err, ErrInexact) {
					t.Errorf("%T: %q encoded as %s, %v; want ErrInexact", codec, tc.v.S, data, err)
				}
				continue
			}
			var got quoted
			if err == nil {
				err = codec.Unmarshal(data, &got)
			}
			if err != nil || !reflect.DeepEqual(got, tc.v) {
				t.Errorf("%T: %q came back as %q, %v", codec, tc.v.S, got.S, err)
			}
		}
	}
}
