package cache

import (
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
)

// identityLen is the number of hex digits of an entry identity in keys.
const identityLen = 12

// identity returns the identity of the entries of a method of the interface
// iface whose results are cached as values of type result: a short hash of
// the interface's package path and of result's shape. It goes into every
// entry key, so that an entry is only ever read by code of the same package
// and result shape: two packages declaring the same interface and method
// names, or two deploys whose result types differ, never read each other's
// entries.
//
// It is computed from the types themselves when the wrapper is created,
// not at generation time, so it cannot go stale when a type changes and
// the wrapper is not regenerated.
func identity(iface, result reflect.Type) string {
	var b strings.Builder
	b.WriteString("cachegen identity 1\n")
	b.WriteString(iface.PkgPath())
	b.WriteByte('\n')
	(&shapeWriter{b: &b, stack: map[reflect.Type]int{}}).write(result)
	if planFor(result) != nil {
		// Its entries carry a sidecar (sidecar.go).
		b.WriteString("\n" + sidecarVersion)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])[:identityLen]
}

// shapeWriter writes a canonical description of a type: everything that
// decides how a codec encodes it. Struct fields are written with their
// names, tags and types, so that adding, removing, renaming, retagging or
// retyping a field changes the shape; types that encode themselves are
// written by name, as their methods decide the encoding.
type shapeWriter struct {
	b     *strings.Builder
	stack map[reflect.Type]int // types being written, by depth, for recursion
}

var (
	jsonMarshaler   = reflect.TypeOf((*json.Marshaler)(nil)).Elem()
	jsonUnmarshaler = reflect.TypeOf((*json.Unmarshaler)(nil)).Elem()
	textMarshaler   = reflect.TypeOf((*encoding.TextMarshaler)(nil)).Elem()
	textUnmarshaler = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// encodesItself reports whether t or *t has one of the JSON or text
// marshalling methods.
func encodesItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	for _, i := range []reflect.Type{jsonMarshaler, jsonUnmarshaler, textMarshaler, textUnmarshaler} {
		if t.Implements(i) || p.Implements(i) {
			return true
		}
	}
	return false
}

func (w *shapeWriter) write(t reflect.Type) {
	if d, ok := w.stack[t]; ok {
		w.b.WriteString("@" + strconv.Itoa(d))
		return
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface && encodesItself(t) {
		// Its methods decide the encoding: the type's identity is its shape.
		w.b.WriteString("M(" + t.PkgPath() + "." + t.String() + ")")
		return
	}
	w.stack[t] = len(w.stack)
	defer delete(w.stack, t)
	switch t.Kind() {
	case reflect.Pointer:
		w.b.WriteByte('*')
		w.write(t.Elem())
	case reflect.Slice:
		w.b.WriteString("[]")
		w.write(t.Elem())
	case reflect.Array:
		w.b.WriteString("[" + strconv.Itoa(t.Len()) + "]")
		w.write(t.Elem())
	case reflect.Map:
		w.b.WriteString("map[")
		w.write(t.Key())
		w.b.WriteByte(']')
		w.write(t.Elem())
	case reflect.Struct:
		w.b.WriteByte('{')
		for i := range t.NumField() {
			f := t.Field(i)
			if f.Anonymous {
				w.b.WriteString("embed ")
			}
			w.b.WriteString(f.Name + " " + strconv.Quote(string(f.Tag)) + " ")
			w.write(f.Type)
			w.b.WriteByte(';')
		}
		w.b.WriteByte('}')
	case reflect.Interface:
		w.b.WriteString("I(" + t.PkgPath() + "." + t.String() + ")")
	default:
		w.b.WriteString(t.Kind().String())
	}
}
