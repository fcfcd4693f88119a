package cache

import (
	"cmp"
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"
)

// Key builds an entry key from a method's arguments. Generated code creates
// it with [Method.Key] and appends each argument with the method matching its
// type; the encoding is collision-free: different argument lists of one
// method give different keys.
//
// Arguments are separated by ':'; lists are written [a,b], structs (a,b), a
// non-nil pointer &v, nil ~, the empty string "". Strings are escaped with %XX
// for the characters %:,[]()~"&{}*? , space and control characters, so the
// layout stays readable with redis-cli --scan.
//
// Arguments longer than [maxKeyArgs] bytes are hashed: the entry key keeps
// their first [hashedPrefix] bytes, then '*' (which the encoding always
// escapes, so no key that is not hashed has it), then the SHA-256 of all of
// them.
//
// Key and its methods are called by generated code; not part of the user API.
type Key struct {
	buf    []byte
	sep    bool // the next item needs a separator
	lvl    int  // nesting depth: ':' separates at 0, ',' inside
	args   int  // where the arguments start in buf; -1 before Args for a method with templates
	bypass bool // a value could not be written: Fetch does not use the cache
	marks  []memberMark
}

// memberMark is where one template member's values start in a key's buf.
type memberMark struct {
	start  int
	family bool // the member could not be named: its whole family stands for it
}

// member is the encoded value naming one member of a template.
type member struct {
	value  []byte
	family bool
}

// Member starts the values naming the member of the next namespace
// template of the method (in the order of its namespaces); the values
// follow, written as arguments are. For a method with templates, the
// members come first, then [Key.Args] and the arguments.
//
// Called by generated code; not part of the user API.
func (k *Key) Member() {
	k.marks = append(k.marks, memberMark{start: len(k.buf)})
	k.sep, k.lvl = false, 0
}

// Family marks the member started by the last [Key.Member] as unknown (a nil
// pointer on its path): a write then invalidates the template's whole
// family.
//
// Called by generated code; not part of the user API.
func (k *Key) Family() {
	if n := len(k.marks); n > 0 {
		k.marks[n-1].family = true
	}
}

// Args ends the members' values of a method with templates: the arguments
// follow.
//
// Called by generated code; not part of the user API.
func (k *Key) Args() {
	k.args = len(k.buf)
	k.sep, k.lvl = false, 0
}

// members returns the members' values of a key built with Member.
func (k *Key) members() []member {
	out := make([]member, len(k.marks))
	for i, mk := range k.marks {
		end := len(k.buf)
		switch {
		case i+1 < len(k.marks):
			end = k.marks[i+1].start
		case k.args >= 0 && k.args >= mk.start:
			end = k.args
		}
		out[i] = member{value: k.buf[mk.start:end], family: mk.family}
	}
	return out
}

// argBytes returns the arguments of a key built with Member and Args.
func (k *Key) argBytes() []byte {
	if k.args < 0 {
		return nil
	}
	return k.buf[k.args:]
}

// hashLong returns b as a string, or, when it is longer than maxKeyArgs,
// its first keep bytes (backed off to the start of a rune), the hash marker
// and the SHA-256 of all of it.
func hashLong(b []byte, keep int) string {
	if len(b) <= maxKeyArgs {
		return string(b)
	}
	sum := sha256.Sum256(b)
	for i := 1; i < utf8.UTFMax && keep > 0 && !utf8.RuneStart(b[keep]); i++ {
		keep--
	}
	out := make([]byte, 0, keep+1+2*len(sum))
	out = append(out, b[:keep]...)
	out = append(out, hashMarker)
	return string(hex.AppendEncode(out, sum[:]))
}

// maxKeyArgs is the length in bytes of a key's encoded arguments above
// which the entry key holds their hash instead.
const maxKeyArgs = 1024

// hashedPrefix is how many bytes of the arguments a hashed key keeps, to be
// readable.
const hashedPrefix = 128

// hashMarker separates a hashed key's readable prefix from the hash.
const hashMarker = '*'

// entry returns the entry key: the method's prefix and the arguments, or
// their hash when they are longer than maxKeyArgs. The string shares the
// key's bytes, which are never written again.
func (k *Key) entry() string {
	if len(k.buf)-k.args <= maxKeyArgs {
		return unsafe.String(unsafe.SliceData(k.buf), len(k.buf))
	}
	sum := sha256.Sum256(k.buf[k.args:])
	keep := k.args + hashedPrefix // backed off to the start of a rune
	for i := 1; i < utf8.UTFMax && !utf8.RuneStart(k.buf[keep]); i++ {
		keep--
	}
	out := make([]byte, 0, keep+1+2*len(sum))
	out = append(out, k.buf[:keep]...)
	out = append(out, hashMarker)
	out = hex.AppendEncode(out, sum[:])
	return unsafe.String(unsafe.SliceData(out), len(out))
}

// Bypass marks the key unusable: [Fetch] then calls the repository without
// the cache and reports an [EventBypass]. Generated code calls it when a
// pointer on a key= field path is nil; [Key.Text] calls it when MarshalText
// fails.
//
// Called by generated code; not part of the user API.
func (k *Key) Bypass() { k.bypass = true }

// separate writes the separator the next item needs.
func (k *Key) separate() {
	if k.sep {
		if k.lvl == 0 {
			k.buf = append(k.buf, ':')
		} else {
			k.buf = append(k.buf, ',')
		}
	}
	k.sep = true
}

// String appends a string argument.
func (k *Key) String(s string) {
	k.separate()
	k.buf = appendEscaped(k.buf, s)
}

// Text appends the text of v, as a string argument; a nil v must be
// checked by the caller. Generated code calls it for key values whose type
// implements encoding.TextMarshaler (uuid.UUID, netip.Addr). When
// MarshalText fails, the key is unusable (see [Key.Bypass]).
//
// Called by generated code; not part of the user API.
func (k *Key) Text(v encoding.TextMarshaler) {
	b, err := marshalText(v)
	if err != nil {
		k.Bypass()
		return
	}
	k.separate()
	k.buf = appendEscaped(k.buf, b)
}

// Stringer appends the String of an interface value v that is not nil.
// A String that panics (a value method called through a nil pointer the
// interface holds) makes the call bypass the cache, as the call itself
// may handle that value.
//
// Called by generated code; not part of the user API.
func (k *Key) Stringer(v fmt.Stringer) {
	s, ok := stringOf(v)
	if !ok {
		k.Bypass()
		return
	}
	k.String(s)
}

// marshalText is v.MarshalText, with a panic (a value method called
// through a nil pointer) returned as an error.
func marshalText(v encoding.TextMarshaler) (b []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("cache: MarshalText panicked: %v", r)
		}
	}()
	return v.MarshalText()
}

// stringOf is v.String, reporting false when it panics.
func stringOf(v fmt.Stringer) (s string, ok bool) {
	defer func() {
		if recover() != nil {
			s, ok = "", false
		}
	}()
	return v.String(), true
}

// appendEscaped appends s with the escapes of [Key.String], or "" when it is
// empty.
func appendEscaped[S string | []byte](buf []byte, s S) []byte {
	if len(s) == 0 {
		return append(buf, '"', '"')
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if needsEscape(b) {
			buf = append(buf, '%', hexDigits[b>>4], hexDigits[b&15])
			continue
		}
		buf = append(buf, b)
	}
	return buf
}

const hexDigits = "0123456789ABCDEF"

func needsEscape(b byte) bool {
	switch b {
	case '%', ':', ',', '[', ']', '(', ')', '~', '"', '&', '{', '}', '*', '?', ' ', 0x7f:
		return true
	}
	return b < 0x20
}

// Int appends a signed integer argument.
func (k *Key) Int(v int64) {
	k.separate()
	k.buf = strconv.AppendInt(k.buf, v, 10)
}

// Uint appends an unsigned integer argument.
func (k *Key) Uint(v uint64) {
	k.separate()
	k.buf = strconv.AppendUint(k.buf, v, 10)
}

// Float appends a floating-point argument at full precision.
func (k *Key) Float(v float64) {
	if v == 0 {
		v = 0 // -0 is 0, as == says: a member named by -0 is 0's
	}
	k.separate()
	k.buf = strconv.AppendFloat(k.buf, v, 'g', -1, 64)
}

// Complex appends a complex argument as the list [real,imag].
func (k *Key) Complex(v complex128) {
	k.Open('[')
	k.Float(real(v))
	k.Float(imag(v))
	k.Close(']')
}

// Bool appends a boolean argument as true or false.
func (k *Key) Bool(v bool) {
	k.separate()
	k.buf = strconv.AppendBool(k.buf, v)
}

// Time appends the instant t names, in UTC at nanosecond precision; times
// equal by [time.Time.Equal] give the same key.
func (k *Key) Time(t time.Time) {
	k.separate()
	k.buf = t.UTC().AppendFormat(k.buf, "20060102T150405.999999999Z")
}

// Bytes appends a byte slice in hex, 0x-prefixed, or ~ when it is nil.
func (k *Key) Bytes(b []byte) {
	if b == nil {
		k.Nil()
		return
	}
	k.separate()
	k.buf = append(k.buf, '0', 'x')
	k.buf = hex.AppendEncode(k.buf, b)
}

// Nil appends a nil pointer, slice, map or interface.
func (k *Key) Nil() {
	k.separate()
	k.buf = append(k.buf, '~')
}

// Ref marks that the next item is the target of a non-nil pointer.
func (k *Key) Ref() {
	k.separate()
	k.buf = append(k.buf, '&')
	k.sep = false
}

// Open starts a list ('[') or a struct ('(').
func (k *Key) Open(bracket byte) {
	k.separate()
	k.buf = append(k.buf, bracket)
	k.sep = false
	k.lvl++
}

// Close ends what Open started, with ']' or ')'.
func (k *Key) Close(bracket byte) {
	k.buf = append(k.buf, bracket)
	k.sep = true
	k.lvl--
}

// SortedKeys returns the keys of m in ascending order, for generated code
// to write a map into a key in a stable order.
//
// Called by generated code; not part of the user API.
func SortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
