package cache

import (
	"encoding"
	"encoding/json"
	"reflect"
	"sync"
	"time"
)

// A sidecarPlan says where, in values of one type, the codec loses
// something that the entry's sidecar keeps (see sidecar.go): time.Time
// values, whose Location and sub-minute offsets JSON drops; json.RawMessage
// values, which JSON compacts and escapes; and values of types that encode
// themselves and have a binary form (MarshalBinary and UnmarshalBinary),
// whose own encoding may lose what the binary form keeps (a
// shopspring/decimal.Decimal's trailing zeros). A nil plan: the type holds
// none, and its entries have no sidecar.
//
// The plan follows every exported field, element and pointer that can lead
// to one, whatever the types on the way encode themselves with: a
// pgtype.Timestamptz's Time is restored like a field of the result's own.
// Interfaces, unexported fields (but embedded ones) and map keys are not
// followed.
type sidecarPlan struct {
	kind   planKind
	typ    reflect.Type
	elem   *sidecarPlan // of a pointer, slice, array or map
	fields []fieldPlan  // of a struct
}

// fieldPlan is the plan of a struct field, at its offset in the struct.
type fieldPlan struct {
	offset uintptr
	plan   *sidecarPlan
}

type planKind uint8

const (
	planTime planKind = iota + 1
	planRaw
	planBinary
	planPointer
	planSlice
	planArray
	planMap
	planStruct
)

var (
	timeType          = reflect.TypeOf(time.Time{})
	rawMessageType    = reflect.TypeOf(json.RawMessage(nil))
	binaryMarshaler   = reflect.TypeOf((*encoding.BinaryMarshaler)(nil)).Elem()
	binaryUnmarshaler = reflect.TypeOf((*encoding.BinaryUnmarshaler)(nil)).Elem()
)

// hasBinaryForm reports whether values of t encode themselves (JSON or
// text methods) and have a binary form the sidecar can keep them in.
func hasBinaryForm(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer || t.Kind() == reflect.Interface || t == timeType {
		return false
	}
	p := reflect.PointerTo(t)
	return encodesItself(t) && p.Implements(binaryMarshaler) && p.Implements(binaryUnmarshaler)
}

var plans sync.Map // reflect.Type -> *sidecarPlan (a nil one for types without)

// planOf returns the sidecar plan of values of type t, from m when t is the
// result type of m (the hit path: no lookup), else from planFor.
func (m *Method) planOf(t reflect.Type) *sidecarPlan {
	if t == m.result {
		return m.plan
	}
	return planFor(t)
}

// planFor returns the sidecar plan of values of type t, nil when t holds
// nothing the sidecar keeps.
func planFor(t reflect.Type) *sidecarPlan {
	if p, ok := plans.Load(t); ok {
		return p.(*sidecarPlan)
	}
	p := (&planBuilder{built: map[reflect.Type]*sidecarPlan{}}).build(t)
	plans.Store(t, p)
	return p
}

type planBuilder struct {
	built map[reflect.Type]*sidecarPlan // plans of the types being built, for recursive types
}

func (b *planBuilder) build(t reflect.Type) *sidecarPlan {
	if !leadsToLeaf(t) {
		return nil
	}
	if p, ok := b.built[t]; ok {
		return p
	}
	switch {
	case t == timeType:
		return &sidecarPlan{kind: planTime, typ: t}
	case t == rawMessageType:
		return &sidecarPlan{kind: planRaw, typ: t}
	case hasBinaryForm(t):
		return &sidecarPlan{kind: planBinary, typ: t}
	}
	p := &sidecarPlan{typ: t}
	b.built[t] = p
	switch t.Kind() {
	case reflect.Pointer:
		p.kind, p.elem = planPointer, b.build(t.Elem())
	case reflect.Slice:
		p.kind, p.elem = planSlice, b.build(t.Elem())
	case reflect.Array:
		p.kind, p.elem = planArray, b.build(t.Elem())
	case reflect.Map:
		p.kind, p.elem = planMap, b.build(t.Elem())
	case reflect.Struct:
		p.kind = planStruct
		for i := range t.NumField() {
			if f := t.Field(i); followed(f) {
				if fp := b.build(f.Type); fp != nil {
					p.fields = append(p.fields, fieldPlan{f.Offset, fp})
				}
			}
		}
	}
	return p
}

// followed reports whether the plan follows field f: an exported one, or an
// embedded one (whose exported fields JSON writes as its struct's own).
func followed(f reflect.StructField) bool { return f.IsExported() || f.Anonymous }

// children returns the types the plan follows from t.
func children(t reflect.Type) []reflect.Type {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		return []reflect.Type{t.Elem()}
	case reflect.Struct:
		var ts []reflect.Type
		for i := range t.NumField() {
			if f := t.Field(i); followed(f) {
				ts = append(ts, f.Type)
			}
		}
		return ts
	}
	return nil
}

// leadsToLeaf reports whether a time.Time or a json.RawMessage can be
// reached from t the way the plan follows types.
func leadsToLeaf(t reflect.Type) bool {
	seen := map[reflect.Type]bool{t: true}
	for next := []reflect.Type{t}; len(next) > 0; {
		cur := next[len(next)-1]
		next = next[:len(next)-1]
		if cur == timeType || cur == rawMessageType || hasBinaryForm(cur) {
			return true
		}
		for _, c := range children(cur) {
			if !seen[c] {
				seen[c] = true
				next = append(next, c)
			}
		}
	}
	return false
}
