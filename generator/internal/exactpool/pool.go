// Package exactpool holds the named types of the exactness fuzz test of
// package generator (exact_fuzz_test.go). The test builds random struct
// types around them at run time with reflect.StructOf, which cannot declare
// named, recursive or method-bearing types nor embed types with methods:
// those live here, and the test type-checks this file's source so that the
// checker and the round trip see the same types. Only that test imports it.
//
// Every marshaler here gives its own values back exactly, so that a lossy
// round trip is the codec's or the checker's fault, not the type's.
package exactpool

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Plain structs without methods: the test may embed them at run time.

// Base is the struct most shapes embed.
type Base struct {
	ID   int
	Name string
}

// Tagged names its fields with tags that clash with Base's names.
type Tagged struct {
	ID string `json:"id"`
	X  int    `json:"Name"`
}

// Nested puts Base one level deeper.
type Nested struct {
	Base
	Note string
}

// NestedPtr embeds Base through a pointer beside a field of its own.
type NestedPtr struct {
	*Base
	X int
}

// OnlyPtr has nothing of its own: all its JSON is under *Base.
type OnlyPtr struct {
	*Base
}

// OnlyPtrs has nothing of its own either, under two pointers.
type OnlyPtrs struct {
	*Base
	*Tagged
}

// Twice embeds two structs whose JSON names meet at one depth.
type Twice struct {
	Base
	Tagged
}

// Opt has only omitempty fields.
type Opt struct {
	ID   int    `json:",omitempty"`
	Note string `json:",omitempty"`
}

// OptStruct's only field is omitempty but a struct, which is never empty.
type OptStruct struct {
	At time.Time `json:",omitempty"`
}

// Empty holds nothing.
type Empty struct{}

// Hidden promotes the fields of an unexported struct.
type Hidden struct {
	hidden
	X int
}

// HiddenPtr embeds an unexported struct through a pointer.
type HiddenPtr struct {
	*hidden
	X int
}

type hidden struct {
	ID   int
	Note string
}

// TaggedHidden names an unexported embedded struct with its tag.
type TaggedHidden struct {
	hidden `json:"h"`
	X      int
}

// TaggedHiddenPtr names an unexported embedded pointer with its tag.
type TaggedHiddenPtr struct {
	*hidden `json:"h"`
	X       int
}

// Private has only unexported fields.
type Private struct {
	//lint:ignore U1000 the fuzz test sets it through reflection
	id int
	//lint:ignore U1000 the fuzz test sets it through reflection
	note string
}

// Dashed uses the "-" tag and the "-," name.
type Dashed struct {
	ID int `json:"-"`
	//lint:ignore SA5008 "-," names the field "-", which the test needs
	Name string `json:"-,"`
}

// Self embeds a pointer to itself.
type Self struct {
	*Self
	ID int
}

// Node is recursive through a pointer, a slice and a map.
type Node struct {
	Name   string
	Next   *Node
	Kids   []Node
	ByName map[string]*Node
}

// Left and Right are mutually recursive.
type Left struct {
	Right *Right
	Val   int
}

// Right is Left's other half.
type Right struct {
	Lefts []Left
	Note  string `json:"note,omitempty"`
}

// Quoted uses the ,string option on every kind it applies to.
type Quoted struct {
	N int     `json:",string"`
	P *int    `json:",string"`
	B bool    `json:",string"`
	S string  `json:",string"`
	F float64 `json:",string"`
	U *uint8  `json:"u,string,omitempty"`
}

// Zeroes uses omitzero on types without IsZero methods, and time.Time.
type Zeroes struct {
	N int       `json:",omitzero"`
	T time.Time `json:",omitzero"`
	P *int      `json:",omitzero"`
	S []int     `json:",omitzero"`
	A [2]int    `json:",omitzero"`
}

// Ledger holds the standard library's self-marshalling types.
type Ledger struct {
	Balance big.Int
	Limit   *big.Int
	At      time.Time
	Raw     json.RawMessage
}

// BaseAlias is Base by another name: embedded, its field is BaseAlias.
type BaseAlias = Base

// Octet is a byte type: a slice of it is base64.
type Octet byte

// Octets is a named slice of Octet.
type Octets []Octet

// Types with methods: fields only at run time, embedded only below.

// ValJSON has a value MarshalJSON and a pointer UnmarshalJSON.
type ValJSON struct{ V int }

// MarshalJSON encodes v as a number.
func (v ValJSON) MarshalJSON() ([]byte, error) { return []byte(strconv.Itoa(v.V)), nil }

// UnmarshalJSON decodes a number.
func (v *ValJSON) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &v.V) }

// PtrJSON has both methods on the pointer, as big.Int does.
type PtrJSON struct{ V int }

// MarshalJSON encodes v as a string "p<n>".
func (v *PtrJSON) MarshalJSON() ([]byte, error) { return json.Marshal("p" + strconv.Itoa(v.V)) }

// UnmarshalJSON decodes what MarshalJSON wrote.
func (v *PtrJSON) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "p"))
	v.V = n
	return err
}

// ZeroNull encodes its zero value as null.
type ZeroNull struct{ V int }

// MarshalJSON writes null for the zero value.
func (z ZeroNull) MarshalJSON() ([]byte, error) {
	if z.V == 0 {
		return []byte("null"), nil
	}
	return []byte(strconv.Itoa(z.V)), nil
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (z *ZeroNull) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*z = ZeroNull{}
		return nil
	}
	return json.Unmarshal(b, &z.V)
}

// JSONInt is an integer type that encodes itself.
type JSONInt int

// MarshalJSON writes the number.
func (n JSONInt) MarshalJSON() ([]byte, error) { return []byte(strconv.Itoa(int(n))), nil }

// UnmarshalJSON reads the number.
func (n *JSONInt) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, (*int)(n)) }

// Code is a text map key, as uuid.UUID is.
type Code [2]byte

// MarshalText writes hex.
func (c Code) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(c[:])), nil }

// UnmarshalText reads hex.
func (c *Code) UnmarshalText(b []byte) error {
	if len(b) != 4 {
		return errors.New("code: want 4 hex digits")
	}
	_, err := hex.Decode(c[:], b)
	return err
}

// PtrCode has MarshalText on the pointer only.
type PtrCode [2]byte

// MarshalText writes hex.
func (c *PtrCode) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(c[:])), nil }

// UnmarshalText reads hex.
func (c *PtrCode) UnmarshalText(b []byte) error {
	if len(b) != 4 {
		return errors.New("code: want 4 hex digits")
	}
	_, err := hex.Decode(c[:], b)
	return err
}

// TextInt is an integer type with text methods.
type TextInt int

// MarshalText writes "n<int>".
func (n TextInt) MarshalText() ([]byte, error) { return []byte("n" + strconv.Itoa(int(n))), nil }

// UnmarshalText reads what MarshalText wrote.
func (n *TextInt) UnmarshalText(b []byte) error {
	v, err := strconv.Atoi(strings.TrimPrefix(string(b), "n"))
	*n = TextInt(v)
	return err
}

// HalfTextInt has UnmarshalText only.
type HalfTextInt int

// UnmarshalText reads a hexadecimal number.
func (n *HalfTextInt) UnmarshalText(b []byte) error {
	v, err := strconv.ParseInt(string(b), 16, 64)
	*n = HalfTextInt(v)
	return err
}

// TextStr is a string type with text methods that add and strip a prefix.
type TextStr string

// MarshalText writes "s:" and the string.
func (s TextStr) MarshalText() ([]byte, error) { return []byte("s:" + string(s)), nil }

// UnmarshalText reads what MarshalText wrote.
func (s *TextStr) UnmarshalText(b []byte) error {
	v, ok := strings.CutPrefix(string(b), "s:")
	if !ok {
		return errors.New("textstr: no prefix")
	}
	*s = TextStr(v)
	return nil
}

// TextByte is a byte type with text methods: a slice of it is not base64.
type TextByte byte

// MarshalText writes the number in hex.
func (b TextByte) MarshalText() ([]byte, error) {
	return []byte(strconv.FormatUint(uint64(b), 16)), nil
}

// UnmarshalText reads what MarshalText wrote.
func (b *TextByte) UnmarshalText(t []byte) error {
	v, err := strconv.ParseUint(string(t), 16, 8)
	*b = TextByte(v)
	return err
}

// OnlyMarshal encodes itself but decodes by fields.
type OnlyMarshal struct{ V int }

// MarshalJSON writes the number.
func (o OnlyMarshal) MarshalJSON() ([]byte, error) { return []byte(strconv.Itoa(o.V)), nil }

// OnlyUnmarshal decodes itself but encodes by fields.
type OnlyUnmarshal struct{ V int }

// UnmarshalJSON reads a number.
func (o *OnlyUnmarshal) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &o.V) }

// Zeroish calls negative values zero.
type Zeroish struct{ N int }

// IsZero reports a negative N.
func (z Zeroish) IsZero() bool { return z.N < 0 }

// PtrZeroish calls negative values zero, on the pointer.
type PtrZeroish struct{ N int }

// IsZero reports a negative N.
func (z *PtrZeroish) IsZero() bool { return z.N < 0 }

// Structs embedding types with methods.

// Stamped embeds time.Time beside a field: time.Time's MarshalJSON is its.
type Stamped struct {
	time.Time
	Note string
}

// StampOnly embeds time.Time alone.
type StampOnly struct {
	time.Time
}

// StampPtr embeds *time.Time alone.
type StampPtr struct {
	*time.Time
}

// WrapBig embeds *big.Int alone.
type WrapBig struct {
	*big.Int
}

// WrapPtrJSON embeds a pointer-receiver marshaler beside a field.
type WrapPtrJSON struct {
	PtrJSON
	X int
}

// WrapValJSON embeds *ValJSON alone.
type WrapValJSON struct {
	*ValJSON
}

// WrapTextInt embeds a text marshaler alone.
type WrapTextInt struct {
	TextInt
}

// HasZeroish embeds a type with IsZero, which becomes its own.
type HasZeroish struct {
	Zeroish
	X int
}
