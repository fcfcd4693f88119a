package generator

import (
	"fmt"
	"go/types"
	"reflect"
	"slices"
	"strings"
	"unicode"
)

// exactProblems returns every reason why the default codec (JSON, with
// encoding/json's rules) would not give a value of type t back as the
// repository returned it, or nil when it always would, but for the
// documented exception: omitempty turns an empty slice or map into nil.
// What JSON loses of time.Time and json.RawMessage values, and of values
// of self-encoding types with a binary form, the runtime keeps beside the
// JSON (cache/sidecar.go), so those are exact. Types that marshal themselves are trusted with their own
// values once both halves of the pair are there and encoding/json calls
// them; a pointer to one of their values that they encode as null (a nil
// json.RawMessage) comes back nil. Values are encoded through a pointer
// (see cache.Fetch), so pointer-receiver marshalers are called except in
// map values and keys.
func exactProblems(t types.Type, pkg *types.Package) []string {
	c := &exactChecker{pkg: pkg, seen: map[seenType]bool{}}
	c.check(t, true, "")
	return c.problems
}

type exactChecker struct {
	pkg      *types.Package
	seen     map[seenType]bool
	problems []string // in the order found, without duplicates
}

// seenType is a named type checked at an addressable position or not: the
// answers can differ, as pointer-receiver methods only count on addressable
// values.
type seenType struct {
	t    *types.Named
	addr bool
}

// report records a problem; where, when not empty, says which field the
// problem was found in.
func (c *exactChecker) report(where, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if where != "" {
		msg = where + ": " + msg
	}
	if !slices.Contains(c.problems, msg) {
		c.problems = append(c.problems, msg)
	}
}

// name writes t as the package's source would: big.Int, Book.
func (c *exactChecker) name(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == c.pkg {
			return ""
		}
		return p.Name()
	})
}

// check walks t; addr says whether encoding/json sees the value as
// addressable (not in a map), where which field holds it.
func (c *exactChecker) check(t types.Type, addr bool, where string) {
	t = types.Unalias(t)
	if n, ok := t.(*types.Named); ok {
		k := seenType{n, addr}
		if c.seen[k] {
			return
		}
		c.seen[k] = true
	}
	switch u := t.Underlying().(type) {
	case *types.Pointer:
		// A pointer's methods are its element's, and the element of a
		// pointer is addressable.
		c.pointerToNil(t, u.Elem(), where)
		c.check(u.Elem(), true, where)
		return
	case *types.Interface:
		c.report(where, "%s is an interface: encoding/json decodes it as map[string]any, not as the type that was stored; return a concrete type", c.name(t))
		return
	}
	if isNamed(t, "encoding/json", "Number") {
		c.report(where, "json.Number encodes the empty string as 0, so it would not come back as it was; use a string or a number type")
		return
	}
	if c.marshalers(t, addr, where) {
		return
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			c.report(where, "%s: encoding/json cannot encode complex numbers", c.name(t))
		case u.Kind() == types.UnsafePointer:
			c.report(where, "%s: unsafe.Pointer cannot be encoded", c.name(t))
		}
	case *types.Slice:
		if isByteElem(u.Elem()) {
			return // base64: nil stays nil, empty stays empty
		}
		c.check(u.Elem(), true, where)
	case *types.Array:
		c.check(u.Elem(), addr, where)
	case *types.Map:
		c.mapKey(u.Key(), where)
		c.check(u.Elem(), false, where)
	case *types.Struct:
		if isTimeStruct(t, u) {
			c.report(where, "%[1]s is defined as time.Time, so it has none of time.Time's methods (MarshalJSON among them): encoding/json sees only time.Time's unexported fields, and the cache would return it empty; use time.Time, or an alias: type %[1]s = time.Time", c.name(t))
			return
		}
		c.structFields(t, u, addr)
	case *types.Signature:
		c.report(where, "func type %s cannot be encoded", c.name(t))
	case *types.Chan:
		c.report(where, "channel type %s cannot be encoded", c.name(t))
	default:
		c.report(where, "type %s cannot be encoded", c.name(t))
	}
}

// pointerToNil reports a pointer to a pointer, a slice or a map: JSON
// writes a pointer to a nil one as null, which decodes as a nil pointer.
// Types that encode themselves are trusted, as json.RawMessage's nil.
func (c *exactChecker) pointerToNil(t, elem types.Type, where string) {
	if enc, _ := encoders(elem, true); enc != byFields {
		return
	}
	var kind, instead string
	switch elem.Underlying().(type) {
	case *types.Pointer:
		kind, instead = "pointer", c.name(elem)
	case *types.Slice:
		kind, instead = "slice", c.name(elem)+" (nil and empty stay apart)"
	case *types.Map:
		kind, instead = "map", c.name(elem)+" (nil and empty stay apart)"
	default:
		return
	}
	c.report(where, "%s is a pointer to a %s: JSON writes a pointer to a nil %s as null, which comes back as a nil pointer; use %s", c.name(t), kind, kind, instead)
}

// isByteElem reports whether a slice of elem is encoded as base64, as
// encoding/json does for byte elements that do not marshal themselves.
func isByteElem(elem types.Type) bool {
	b, ok := elem.Underlying().(*types.Basic)
	if !ok || b.Kind() != types.Uint8 {
		return false
	}
	p := types.NewPointer(elem)
	return !types.Implements(p, jsonMarshalerIface) && !types.Implements(p, textMarshalerIface)
}

type codecKind int

const (
	byFields codecKind = iota // encoding/json's own rules
	byJSON                    // MarshalJSON / UnmarshalJSON
	byText                    // MarshalText / UnmarshalText
)

func (k codecKind) marshal() string {
	return [...]string{"its fields", "MarshalJSON", "MarshalText"}[k]
}
func (k codecKind) unmarshal() string {
	return [...]string{"its fields", "UnmarshalJSON", "UnmarshalText"}[k]
}

// encoders returns how encoding/json encodes and decodes a value of type t
// (at an addressable position or not).
func encoders(t types.Type, addr bool) (enc, dec codecKind) {
	p := types.NewPointer(t)
	encSet := t
	if addr {
		encSet = p
	}
	switch {
	case types.Implements(encSet, jsonMarshalerIface):
		enc = byJSON
	case types.Implements(encSet, textMarshalerIface):
		enc = byText
	}
	switch {
	case types.Implements(p, jsonUnmarshalerIface):
		dec = byJSON
	case types.Implements(p, textUnmarshalerIface):
		dec = byText
	}
	return enc, dec
}

// marshalers checks a type that encodes or decodes itself and reports
// whether it does (then its own methods decide, and its fields are not
// looked at).
func (c *exactChecker) marshalers(t types.Type, addr bool, where string) bool {
	enc, dec := encoders(t, addr)
	if enc == byFields && dec == byFields {
		return false
	}
	name := c.name(t)
	switch {
	case isBigFloat(t):
		c.report(where, "%s writes its value as text that UnmarshalText reads back at 64 bits of precision, whatever the precision it had: 0.1 at float64's 53 bits would not come back as it was; cache a big.Rat, a string or a float64", name)
	case enc == byFields && !addr && func() bool { e, _ := encoders(t, true); return e == dec }():
		c.report(where, "%s has %s on *%s only, which encoding/json does not call on a map value (not addressable): it would encode its fields and %s would not read them back; use a map of *%s",
			name, dec.marshal(), name, dec.unmarshal(), name)
	case enc != dec:
		c.report(where, "%s encodes with %s but decodes with %s, so it would not come back as it was; give it both %s and %s",
			name, enc.marshal(), dec.unmarshal(), pairOf(enc, dec).marshal(), pairOf(enc, dec).unmarshal())
	default:
		c.promotedMarshaler(t, enc, where)
		c.promotedThroughPointer(t, enc, where)
	}
	return true
}

// isBigFloat reports whether t is math/big's Float.
func isBigFloat(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "math/big" && n.Obj().Name() == "Float"
}

// pairOf names the pair of methods that would fix a one-sided type.
func pairOf(enc, dec codecKind) codecKind {
	if enc != byFields {
		return enc
	}
	return dec
}

// promotedMarshaler reports a struct whose marshaler is promoted from an
// embedded field while the struct has fields of its own: encoding/json calls
// the embedded field's method, which knows nothing of them.
func (c *exactChecker) promotedMarshaler(t types.Type, enc codecKind, where string) {
	method := enc.marshal()
	for _, p := range promotedPath(t, method) {
		for j := range p.st.NumFields() {
			if f := p.st.Field(j); j != p.i && carriesData(f.Type()) {
				c.report(where, "%s embeds %s, whose %s becomes %s's own: JSON would hold only what that method writes and drop field %s; give %s its own %s and %s, or name the embedded field",
					c.name(t), c.name(p.st.Field(p.i).Type()), method, c.name(t), f.Name(), c.name(t), method, enc.unmarshal())
				return
			}
		}
	}
}

// promotedThroughPointer reports a struct whose marshalers are promoted
// through an embedded pointer: encoding a value whose pointer is nil calls
// the method on nil, and decoding always does (into a new value), which
// panics in time.Time's, big.Int's and most others.
func (c *exactChecker) promotedThroughPointer(t types.Type, enc codecKind, where string) {
	for _, method := range []string{enc.marshal(), enc.unmarshal()} {
		for _, p := range promotedPath(t, method) {
			f := p.st.Field(p.i)
			if _, isPtr := types.Unalias(f.Type()).(*types.Pointer); isPtr {
				c.report(where, "%s embeds %s, whose %s becomes %s's own and is called on a nil pointer when decoding (and when encoding a nil one), which panics; embed %s by value, or name the field",
					c.name(t), c.name(f.Type()), method, c.name(t), c.name(deref(f.Type())))
				return
			}
		}
	}
}

// promotion is a step on the way by which a method is promoted: a struct,
// and the index of the embedded field the method comes through.
type promotion struct {
	st *types.Struct
	i  int
}

// promotedPath returns the steps by which *t has method, outermost first:
// none when t declares it or does not have it.
func promotedPath(t types.Type, method string) []promotion {
	sel := types.NewMethodSet(types.NewPointer(t)).Lookup(nil, method)
	if sel == nil {
		return nil
	}
	var path []promotion
	cur := t
	for _, i := range sel.Index()[:len(sel.Index())-1] {
		st, ok := types.Unalias(deref(cur)).Underlying().(*types.Struct)
		if !ok {
			break
		}
		path = append(path, promotion{st, i})
		cur = st.Field(i).Type()
	}
	return path
}

// mapKey checks a map key type: encoding/json writes keys as strings and
// must read them back to the same key.
func (c *exactChecker) mapKey(k types.Type, where string) {
	name := c.name(k)
	if isNamed(k, "time", "Time") {
		c.report(where, "map key type time.Time: JSON writes map keys as RFC 3339 text, which keeps a time's instant and offset (to the minute) but not its Location, and a map key cannot be put back after decoding as a value can; key the map by t.Unix() or t.UnixNano() (int64), or by a string")
		return
	}
	p := types.NewPointer(k)
	encText := types.Implements(k, textMarshalerIface) // keys are not addressable
	decText := types.Implements(p, textUnmarshalerIface)
	b, isBasic := k.Underlying().(*types.Basic)
	switch {
	case isBasic && b.Info()&types.IsString != 0:
		if decText {
			c.report(where, "map key type %s is a string type with UnmarshalText: encoding/json writes such keys as the string but reads them with UnmarshalText; use a plain string key", name)
		}
	case isBasic && b.Info()&types.IsInteger != 0:
		if encText != decText {
			c.report(where, "map key type %s is an integer type with only one of MarshalText (value receiver) and UnmarshalText, so encoding/json writes and reads its keys differently", name)
		}
	case encText && decText:
	case decText && types.Implements(p, textMarshalerIface):
		c.report(where, "map key type %s has MarshalText on *%s only, which encoding/json does not call on map keys; give MarshalText a value receiver", name, name)
	default:
		c.report(where, "map key type %s is not a string, an integer or a TextMarshaler, which encoding/json needs", name)
	}
}

// field is one field of a struct as encoding/json sees it.
type jsonField struct {
	name     string // the JSON name
	tagged   bool   // the name comes from a json tag
	embedded bool
	index    []int
	path     string // Go selector from the struct: "Audit.ID"
	typ      types.Type
	opts     string // the tag's options: ",omitempty,string"
	under    []*embedPtr
}

// embedPtr is an embedded pointer to a struct on the way to fields. When
// decoding, encoding/json allocates it only for a field found under it, so
// it comes back non-nil only if such a field is always written.
type embedPtr struct {
	path    string
	written bool // a field right under it (under no deeper pointer) is always written
	direct  bool // a field is right under it
	deeper  bool // a field is under a deeper embedded pointer
}

func (f jsonField) has(opt string) bool { return slices.Contains(strings.Split(f.opts, ","), opt) }

// structFields checks the fields of a struct: which ones encoding/json
// keeps (the port of its typeFields below), that no field carrying data is
// dropped, and each kept field's type.
func (c *exactChecker) structFields(t types.Type, st *types.Struct, addr bool) {
	name := c.name(t)
	kept, dropped, ptrs := jsonFields(st)
	for _, d := range dropped {
		c.report("", d.format, append([]any{d.path, name}, d.args...)...)
	}
	for _, f := range kept {
		fieldAddr := addr || len(f.under) > 0
		ft := types.Unalias(f.typ)
		if _, isIface := ft.Underlying().(*types.Interface); isIface {
			c.report("", "field %s of %s has interface type %s: encoding/json decodes it as map[string]any, not as what was stored", f.path, name, c.name(ft))
			continue
		}
		c.stringOption(f, ft, fieldAddr, name)
		c.omitZero(f, ft, name)
		c.check(f.typ, fieldAddr, "field "+f.path+" of "+name)
	}
	for _, p := range ptrs {
		c.embeddedPointer(p, name)
	}
}

// stringOption reports the ,string option on a field whose type (or the
// type it points to) encodes itself: encoding/json ignores the option when
// encoding but not when decoding. goccy/go-json (v0.11), the default
// codec, reads it back wrong in two more cases: on a pointer to a type it
// does not apply to, and on an embedded field without a name in its tag.
func (c *exactChecker) stringOption(f jsonField, ft types.Type, addr bool, name string) {
	if !f.has("string") {
		return
	}
	_, isPtr := ft.(*types.Pointer)
	switch {
	case !isQuotable(ft):
		if isPtr {
			c.report("", "field %s of %s has the ,string option, which does nothing on %s (encoding/json ignores it) but makes goccy/go-json, the default codec, fail to read the field back; drop the option", f.path, name, c.name(ft))
		}
		return
	case f.embedded && !f.tagged:
		c.report("", "embedded field %s of %s has the ,string option, which goccy/go-json, the default codec, does not apply when reading an embedded field: it would fail or keep the quotes; name the field in its tag or drop the option", f.path, name)
		return
	}
	if isPtr {
		ft, addr = types.Unalias(ft.(*types.Pointer).Elem()), true
	}
	if enc, _ := encoders(ft, addr); enc != byFields {
		c.report("", "field %s of %s has the ,string option, which encoding/json ignores when %s encodes itself but not when decoding; drop the option", f.path, name, c.name(ft))
	}
}

// omitZero reports the omitzero option on a field whose type has an IsZero
// method, which encoding/json calls (on a copy's address when it has
// to): a value it calls zero is left out and comes back as the zero value,
// or a pointer to one as nil. time.Time's IsZero is the zero instant, which
// is the zero value but for its Location.
func (c *exactChecker) omitZero(f jsonField, ft types.Type, name string) {
	if !f.has("omitzero") || isNamed(ft, "time", "Time") || !hasIsZero(ft) {
		return
	}
	if _, isPtr := ft.(*types.Pointer); isPtr {
		c.report("", "field %s of %s has omitzero and %s has an IsZero method: a pointer to a value that IsZero calls zero would be left out and come back nil; use omitempty, which leaves out only nil", f.path, name, c.name(ft))
		return
	}
	c.report("", "field %s of %s has omitzero and %s has an IsZero method: a value that IsZero calls zero would come back as the zero value; drop omitzero", f.path, name, c.name(ft))
}

// hasIsZero reports whether t or *t has the method IsZero() bool.
func hasIsZero(t types.Type) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, "IsZero")
	fn, ok := obj.(*types.Func)
	if !ok {
		return false
	}
	sig := fn.Signature()
	if sig.Params().Len() != 0 || sig.Results().Len() != 1 {
		return false
	}
	b, ok := sig.Results().At(0).Type().(*types.Basic)
	return ok && b.Kind() == types.Bool
}

// embeddedPointer reports an embedded pointer that can be non-nil while
// JSON holds none of its fields: it would come back nil.
func (c *exactChecker) embeddedPointer(p *embedPtr, name string) {
	switch {
	case p.written:
	case p.direct:
		c.report("", "embedded field %s of %s is a pointer whose fields are all omitempty or omitzero: when they are all empty, JSON holds nothing of it and it comes back nil; drop the option from one of them", p.path, name)
	case p.deeper:
		c.report("", "embedded field %s of %s is a pointer whose fields are all under another embedded pointer: when that one is nil, JSON holds nothing of %[1]s and it comes back nil; give it a field of its own or name the embedded field", p.path, name)
	default:
		c.report("", "embedded field %s of %s is a pointer to a struct that JSON writes no field of, so it comes back nil; name the embedded field or embed it by value", p.path, name)
	}
}

// omittable reports whether encoding/json may leave f out: omitzero, or
// omitempty on a type that can be empty (a struct never is).
func omittable(f jsonField) bool {
	if f.has("omitzero") {
		return true
	}
	if !f.has("omitempty") {
		return false
	}
	switch u := f.typ.Underlying().(type) {
	case *types.Struct:
		return false
	case *types.Array:
		return u.Len() == 0
	}
	return true
}

// isQuotable reports whether the ,string option applies to t (after one
// pointer), as encoding/json decides it.
func isQuotable(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	b, ok := t.Underlying().(*types.Basic)
	return ok && b.Info()&(types.IsBoolean|types.IsInteger|types.IsFloat|types.IsString) != 0
}

// droppedField is a field that encoding/json does not encode.
type droppedField struct {
	path   string
	format string // with %[1]s the path and %[2]s the struct's name
	args   []any
}

// jsonFields returns the fields of st that encoding/json encodes, those
// carrying data that it drops, and the embedded pointers it expands. It follows encoding/json's typeFields:
// breadth-first through embedded structs, then Go's rules for embedded
// fields, except that a field named by a json tag wins over untagged ones
// at its depth.
func jsonFields(st *types.Struct) (kept []jsonField, dropped []droppedField, ptrs []*embedPtr) {
	type level struct {
		st    *types.Struct
		key   string
		index []int
		path  string
		under []*embedPtr // the last is this level's pointer, if it has one
		ptr   bool
	}
	drop := func(path string, typ types.Type, format string, args ...any) {
		if carriesData(typ) {
			dropped = append(dropped, droppedField{path, format, args})
		}
	}
	var all []jsonField
	next := []level{{st: st}}
	var count map[string]int
	nextCount := map[string]int{}
	visited := map[string]string{} // struct type -> path where it was expanded
	for len(next) > 0 {
		current := next
		next = nil
		count, nextCount = nextCount, map[string]int{}
		for _, lv := range current {
			if lv.key != "" {
				if at, ok := visited[lv.key]; ok {
					drop(lv.path, lv.st, "embedded field %[1]s of %[2]s is lost: %[3]s is embedded nearer the top, at %[4]s, so encoding/json drops this copy's fields; name one of the embedded fields", lv.key, at)
					continue
				}
				visited[lv.key] = lv.path
			}
			if lv.ptr {
				ptrs = append(ptrs, lv.under[len(lv.under)-1])
			}
			for i := range lv.st.NumFields() {
				sf := lv.st.Field(i)
				path := joinPath(lv.path, sf.Name())
				ft := types.Unalias(sf.Type())
				if sf.Embedded() {
					if !sf.Exported() && !isStructType(deref(ft)) {
						drop(path, ft, "embedded field %[1]s of %[2]s has an unexported non-struct type, so encoding/json drops it and the cache would return it empty; name the field and export it")
						continue
					}
				} else if !sf.Exported() {
					if sf.Name() != "_" {
						drop(path, ft, "field %[1]s of %[2]s is unexported, so encoding/json drops it and the cache would return it empty; export it or give %[2]s MarshalJSON and UnmarshalJSON")
					}
					continue
				}
				tag := reflect.StructTag(lv.st.Tag(i)).Get("json")
				if tag == "-" {
					drop(path, ft, "field %[1]s of %[2]s has the tag json:\"-\", so the cache would return it empty; remove the tag or give %[2]s MarshalJSON and UnmarshalJSON")
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				if !validTagName(name) {
					name = ""
				}
				index := append(slices.Clone(lv.index), i)
				et := ft
				if p, ok := ft.(*types.Pointer); ok {
					et = types.Unalias(p.Elem())
				}
				if _, isPtr := ft.(*types.Pointer); isPtr && name != "" && sf.Embedded() && !sf.Exported() {
					drop(path, ft, "embedded field %[1]s of %[2]s is a pointer to an unexported type, named by its json tag: encoding/json writes it but panics when decoding, as it cannot set an unexported field; export the type or embed it by value")
				}
				if name != "" || !sf.Embedded() || !isStructType(et) {
					f := jsonField{name: name, tagged: name != "", embedded: sf.Embedded(), index: index, path: path, typ: sf.Type(), opts: "," + opts, under: lv.under}
					if f.name == "" {
						f.name = sf.Name()
					}
					all = append(all, f)
					if count[lv.key] > 1 {
						// The struct is embedded twice at this depth: its
						// fields annihilate each other.
						all = append(all, f)
					}
					continue
				}
				key := types.TypeString(et, nil)
				nextCount[key]++
				if nextCount[key] > 1 {
					drop(path, et, "embedded field %[1]s of %[2]s is lost: %[3]s is embedded twice at the same depth, so encoding/json drops the fields of both; name one of the embedded fields", key)
					continue
				}
				under := lv.under
				_, isPtr := ft.(*types.Pointer)
				if isPtr {
					if n, ok := et.(*types.Named); ok && !n.Obj().Exported() {
						drop(path, et, "embedded field %[1]s of %[2]s is a pointer to the unexported struct type %[3]s, which encoding/json cannot allocate when decoding; export the type or embed it by value", n.Obj().Name())
						continue
					}
					under = append(slices.Clone(under), &embedPtr{path: path})
				}
				next = append(next, level{st: et.Underlying().(*types.Struct), key: key, index: index, path: path, under: under, ptr: isPtr})
			}
		}
	}

	slices.SortStableFunc(all, func(a, b jsonField) int {
		if a.name != b.name {
			return strings.Compare(a.name, b.name)
		}
		if len(a.index) != len(b.index) {
			return len(a.index) - len(b.index)
		}
		if a.tagged != b.tagged {
			if a.tagged {
				return -1
			}
			return 1
		}
		return slices.Compare(a.index, b.index)
	})
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].name == all[i].name {
			j++
		}
		group := all[i:j]
		switch {
		case len(group) == 1:
			kept = append(kept, group[0])
		case len(group[0].index) == len(group[1].index) && group[0].tagged == group[1].tagged:
			// Every field of the name at the top depth is dropped; deeper
			// ones are hidden by them.
			var paths []string
			data := false // one of them carries data
			for _, f := range group {
				if len(f.index) == len(group[0].index) && f.tagged == group[0].tagged && !slices.Contains(paths, f.path) {
					paths = append(paths, f.path)
					data = data || carriesData(f.typ)
				}
			}
			if len(paths) == 1 {
				drop(paths[0], group[0].typ, "field %[1]s of %[2]s is lost: the struct holding it is embedded twice at the same depth, so encoding/json drops the fields of both; name one of the embedded fields")
			} else if data {
				all := "all"
				if len(paths) == 2 {
					all = "both"
				}
				dropped = append(dropped, droppedField{path: strings.Join(paths[:len(paths)-1], ", "),
					format: "fields %[1]s and %[3]s of %[2]s are %[5]s named %[4]q in JSON at the same depth, so encoding/json drops %[5]s; give them json tags with distinct names",
					args:   []any{paths[len(paths)-1], group[0].name, all}})
			} else {
				// goccy/go-json (v0.11) writes one of them, and reads it
				// into a field whose name differs only in case.
				dropped = append(dropped, droppedField{path: strings.Join(paths[:len(paths)-1], ", "),
					format: "fields %[1]s and %[3]s of %[2]s hold nothing but are named %[4]q in JSON at the same depth: goccy/go-json, the default codec, writes one of them and may read it into another field; tag them json:\"-\" or give them distinct names",
					args:   []any{paths[len(paths)-1], group[0].name}})
			}
			for _, f := range group[len(paths):] {
				if !slices.Contains(paths, f.path) {
					drop(f.path, f.typ, "field %[1]s of %[2]s is hidden by %[3]s (both are named %[4]q in JSON), so encoding/json drops it; give it a json tag with another name", paths[0], f.name)
				}
			}
		default:
			kept = append(kept, group[0])
			for _, f := range group[1:] {
				switch {
				case carriesData(f.typ):
					drop(f.path, f.typ, "field %[1]s of %[2]s is hidden by %[3]s (both are named %[4]q in JSON), so encoding/json drops it; give it a json tag with another name", group[0].path, f.name)
				case len(f.index) == len(group[0].index):
					// goccy/go-json (v0.11) decodes into the untagged field
					// of the two, and drops the value of the tagged one.
					dropped = append(dropped, droppedField{f.path, "field %[1]s of %[2]s holds nothing, but goccy/go-json, the default codec, decodes the JSON name %[4]q into it rather than into %[3]s, whose value it drops; tag %[1]s json:\"-\" or rename it", []any{group[0].path, f.name}})
				}
			}
		}
		i = j
	}
	slices.SortFunc(kept, func(a, b jsonField) int { return slices.Compare(a.index, b.index) })
	for _, f := range kept {
		if len(f.under) == 0 {
			continue
		}
		p := f.under[len(f.under)-1]
		p.direct = true
		p.written = p.written || !omittable(f)
		for _, q := range f.under[:len(f.under)-1] {
			q.deeper = true
		}
	}
	return kept, dropped, ptrs
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

func deref(t types.Type) types.Type {
	if p, ok := types.Unalias(t).(*types.Pointer); ok {
		return p.Elem()
	}
	return t
}

func isStructType(t types.Type) bool {
	_, ok := types.Unalias(t).Underlying().(*types.Struct)
	return ok
}

// carriesData reports whether values of t can hold anything: struct{} and
// [0]T do not, so losing them loses nothing.
func carriesData(t types.Type) bool {
	return gcSizes.Sizeof(t) > 0
}

var gcSizes = types.SizesFor("gc", "amd64")

// validTagName reports whether encoding/json accepts name as a JSON name.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

// The interfaces encoding/json looks for.
var (
	jsonMarshalerIface   = methodIface("MarshalJSON", nil, []types.Type{byteSlice, errorType})
	jsonUnmarshalerIface = methodIface("UnmarshalJSON", []types.Type{byteSlice}, []types.Type{errorType})
	textMarshalerIface   = methodIface("MarshalText", nil, []types.Type{byteSlice, errorType})
	textUnmarshalerIface = methodIface("UnmarshalText", []types.Type{byteSlice}, []types.Type{errorType})
)

var (
	byteSlice = types.NewSlice(types.Typ[types.Byte])
	errorType = types.Universe.Lookup("error").Type()
)

func methodIface(name string, params, results []types.Type) *types.Interface {
	tuple := func(ts []types.Type) *types.Tuple {
		vars := make([]*types.Var, len(ts))
		for i, t := range ts {
			vars[i] = types.NewVar(0, nil, "", t)
		}
		return types.NewTuple(vars...)
	}
	sig := types.NewSignatureType(nil, nil, nil, tuple(params), tuple(results), false)
	return types.NewInterfaceType([]*types.Func{types.NewFunc(0, nil, name, sig)}, nil).Complete()
}

// isTimeStruct reports whether t is a type defined as time.Time (type
// Timestamp time.Time), whose struct u is time.Time's.
func isTimeStruct(t types.Type, u *types.Struct) bool {
	if isNamed(t, "time", "Time") || u.NumFields() == 0 {
		return false
	}
	for f := range u.Fields() {
		if f.Pkg() == nil || f.Pkg().Path() != "time" || f.Exported() {
			return false
		}
	}
	return u.Field(0).Name() == "wall"
}
