package cache

import (
	"encoding/hex"
	"strconv"
	"time"
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
// Key and its methods are called by generated code; they are not part of the
// user API.
type Key struct {
	buf []byte
	sep bool // the next item needs a separator
	lvl int  // nesting depth: ':' separates at 0, ',' inside
}

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
	if s == "" {
		k.buf = append(k.buf, '"', '"')
		return
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if needsEscape(b) {
			k.buf = append(k.buf, '%', hexDigits[b>>4], hexDigits[b&15])
			continue
		}
		k.buf = append(k.buf, b)
	}
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
