package generator

import (
	"fmt"
	"go/token"
	"go/types"
	"strconv"
)

// BatchRead is what a batch read (//cache:... batch by=ID) adds to its
// Method: GetBooks(ctx, ids []int64) ([]Book, error) or (map[int64]Book,
// error), each element cached under an entry of its own, keyed as a single
// read of one id (GetBook(ctx, id int64), namespace book:{id}) keys its
// own. The Method's Members and Key are written with the id in place of
// the ids parameter.
type BatchRead struct {
	Param int        // index in Method.Params of the ids
	ID    types.Type // the type of one id: the element type of the ids
	Value types.Type // the type of one element of the result
	Map   bool       // the result is map[ID]Value; else []Value
	By    string     // for a slice: the field of Value holding its id
	ByPtr bool       // for a slice: Value is a pointer, nil for no id
	// Shares names the single read of the interface whose entries the
	// elements are (see shareBatchEntries), "" when they have their own.
	Shares string
	// SharesNamespaces are that read's namespaces, as written.
	SharesNamespaces []string
}

// batchOpts are the batch options of an annotation: batch, and by=.
type batchOpts struct {
	has   bool      // batch was given
	pos   token.Pos // of batch
	by    string    // by=, "" when absent
	byPos token.Pos // of by=
}

// parseBatchOption parses the option batch or by= of a, reporting its
// problems; it reports whether there were none.
func parseBatchOption(r *reporter, a *annotation, name, value string, hasValue bool, pos, valuePos token.Pos) bool {
	if a.batch == nil {
		a.batch = &batchOpts{}
	}
	if name == "batch" {
		if hasValue {
			r.errorf(pos, "batch takes no value: write batch by=<field>, as //cache:expire=300 namespace=book:{ids} batch by=ID")
			return false
		}
		a.batch.has, a.batch.pos = true, pos
		return true
	}
	if !token.IsIdentifier(value) {
		r.errorf(valuePos, "by= names the field of an element that holds its id, as by=ID; %q is not a field name", value)
		return false
	}
	a.batch.by, a.batch.byPos = value, pos
	return true
}

// checkBatchOptions reports the batch options that do not fit the rest of
// the annotation; it reports whether there were none.
func checkBatchOptions(r *reporter, a *annotation, seen map[string]bool) bool {
	b := a.batch
	switch {
	case b == nil:
		return true
	case !b.has:
		r.errorf(b.byPos, "by= applies to batch reads: add batch, as //cache:expire=300 namespace=book:{ids} batch by=ID")
	case a.invalidate:
		r.errorf(b.pos, "batch applies to cached reads, not to invalidate: drop it")
	case a.hasKey:
		r.errorf(a.keyPos[0], "key= does not apply to a batch read: each element is keyed by its id; drop key=")
	case seen["refresh"]:
		r.errorf(a.refreshPos, "refresh= does not apply to a batch read: its hits start no early reload; drop refresh= (a single read of one id may have it)")
	default:
		return true
	}
	return false
}

// batchRead makes m a batch read, checking its signature, by= and its
// namespaces. It reports whether they are usable.
func (a *analyzer) batchRead(d *ifaceDecl, m *Method, an *annotation, pos methodPos, names nameScope) bool {
	m.Kind, m.TTL, m.Namespaces = Batch, an.expire, an.namespaces
	for _, ns := range an.namespaces {
		a.cached[family(ns)] = true
	}
	b := &BatchRead{Param: -1}
	m.Batch = b
	const shape = "a batch read takes a context and one slice of ids and returns a slice or a map of its elements and an error, as GetBooks(ctx context.Context, ids []int64) ([]Book, error) or (map[int64]Book, error)"
	ok := true
	var extra []int
	for i, p := range m.Params {
		switch {
		case i == m.CtxParam:
		case b.Param < 0 && isSliceOf(p.Type) != nil:
			b.Param = i
		default:
			extra = append(extra, i)
		}
	}
	if b.Param < 0 {
		a.r.errorf(pos.method(), "batch read %s has no slice parameter to take the ids from: %s", m.Name, shape)
		return false
	}
	for _, i := range extra {
		a.r.errorf(pos.param(i), "parameter %s of batch read %s: %s; give other values their own method, or drop batch", paramName(m, i), m.Name, shape)
		ok = false
	}
	b.ID = isSliceOf(m.Params[b.Param].Type)
	idEnc, why := keyEncoding(b.ID, a.pkg.Types)
	switch {
	case why != "":
		a.r.errorf(pos.param(b.Param), "the ids of batch read %s cannot key its entries: %s", m.Name, why)
		return false
	case !types.Comparable(b.ID) || isPointer(b.ID):
		a.r.errorf(pos.param(b.Param), "the ids of batch read %s are of type %s: a batch read needs ids of a comparable type that is not a pointer (int64, string, a UUID)", m.Name, a.typeName(b.ID))
		return false
	}
	if !a.batchResult(m, an, pos, shape) {
		return false
	}
	for _, why := range exactProblems(b.Value, a.pkg.Types) {
		a.r.errorf(pos.result(0), "the elements of batch read %s (%s) cannot be cached: %s", m.Name, a.typeName(b.Value), why)
		ok = false
	}
	part := func() *KeyPart {
		return &KeyPart{Path: &ValuePath{Text: m.Params[b.Param].Name, Param: b.Param, Type: b.ID}, Enc: idEnc}
	}
	m.Key = []*KeyPart{part()}
	m.Members = make([][]*KeyPart, len(an.namespaces))
	ids := m.Params[b.Param].Name
	for i, t := range an.templates {
		if t == nil {
			continue
		}
		if len(t.members) != 1 || t.members[0].text != ids {
			a.r.errorf(an.nsPos[i], "namespace=%s: the templates of batch read %s name each id, as %s:{%s}; a template naming anything else cannot be filled in per element", an.namespaces[i], m.Name, t.family, ids)
			ok = false
			continue
		}
		mem := t.members[0]
		d.members = append(d.members, memberUse{
			family: t.family, index: 0, count: 1, text: mem.text, ns: an.namespaces[i], method: m.Name,
			typ: b.ID, orig: b.ID, pos: mem.pos, at: a.pkg.Fset.Position(mem.pos), d: d, a: a,
		})
		m.Members[i] = []*KeyPart{part()}
	}
	if !m.Templated() {
		m.Members = nil
	}
	return a.notFound(m, an, names) && ok
}

// batchResult checks the result of the batch read m, []Value with by=
// naming its id field or map[ID]Value, and notes it in m.Batch.
func (a *analyzer) batchResult(m *Method, an *annotation, pos methodPos, shape string) bool {
	b := m.Batch
	if !m.HasError || m.Values() != 1 {
		a.r.errorf(pos.method(), "batch read %s: %s", m.Name, shape)
		return false
	}
	by := an.batch.by
	switch r := types.Unalias(m.Results[0]).(type) {
	case *types.Slice:
		b.Value = r.Elem()
		if by == "" {
			a.r.errorf(an.batch.pos, "batch read %s returns %s: add by=<field>, the field of %s holding its id, so that the repository's rows are matched to the ids (as by=ID)", m.Name, a.typeName(r), a.typeName(b.Value))
			return false
		}
		return a.batchBy(m, an)
	case *types.Map:
		b.Value, b.Map = r.Elem(), true
		if !types.Identical(r.Key(), b.ID) {
			a.r.errorf(pos.result(0), "batch read %s returns %s, keyed by %s, but its ids are %s: key the map by the ids' type, map[%s]%s", m.Name, a.typeName(r), a.typeName(r.Key()), a.typeName(b.ID), a.typeName(b.ID), a.typeName(b.Value))
			return false
		}
		if by != "" {
			a.r.errorf(an.batch.byPos, "by= applies to batch reads returning a slice: the keys of the map %s are the ids; drop by=", a.typeName(r))
			return false
		}
		return true
	}
	a.r.errorf(pos.result(0), "batch read %s returns %s, not a slice or a map of its elements: %s", m.Name, a.typeName(m.Results[0]), shape)
	return false
}

// batchBy resolves by=, a field of the elements (through a pointer) whose
// type is the ids'.
func (a *analyzer) batchBy(m *Method, an *annotation) bool {
	b, by, at := m.Batch, an.batch.by, an.batch.byPos
	t := b.Value
	if p, ok := t.Underlying().(*types.Pointer); ok {
		b.ByPtr, t = true, p.Elem()
	}
	obj, index, _ := types.LookupFieldOrMethod(t, false, a.pkg.Types, by)
	f, isVar := obj.(*types.Var)
	if !isVar || !f.IsField() {
		msg := fmt.Sprintf("by=%s: %s has no field %s; by= names the field of each element holding its id", by, a.typeName(t), by)
		if s := closest(by, a.fieldNames(t)); s != "" {
			msg += ": did you mean " + strconv.Quote(s) + "?"
		}
		a.r.errorf(at, "%s", msg)
		return false
	}
	// Embedded pointers on the way could be nil: the generated code selects
	// the field directly.
	cur := t
	for _, fi := range index[:len(index)-1] {
		st, _ := cur.Underlying().(*types.Struct)
		if st == nil {
			break
		}
		cur = st.Field(fi).Type()
		if isPointer(cur) {
			a.r.errorf(at, "by=%s: %s is reached through the embedded pointer %s, which may be nil: name a field of %s itself", by, by, a.typeName(cur), a.typeName(t))
			return false
		}
	}
	if !types.Identical(f.Type(), b.ID) {
		a.r.errorf(at, "by=%s: %s.%s is of type %s, but the ids are %s: name the field holding the id, or change the ids' type to %s", by, a.typeName(t), by, a.typeName(f.Type()), a.typeName(b.ID), a.typeName(f.Type()))
		return false
	}
	b.By = by
	return true
}

// isSliceOf returns the element type of t when t is a slice type written
// as one ([]int64, not a named slice type), else nil.
func isSliceOf(t types.Type) types.Type {
	if s, ok := types.Unalias(t).(*types.Slice); ok {
		return s.Elem()
	}
	return nil
}

func isPointer(t types.Type) bool {
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}

// paramName returns the name of m's i-th parameter, or #i+1 for one
// without a name.
func paramName(m *Method, i int) string {
	if n := m.Params[i].Name; n != "" && n != "_" {
		return n
	}
	return fmt.Sprintf("#%d", i+1)
}

// shareBatchEntries makes each batch read of iface share the entries of a
// single read of one id whose shapes agree: GetBook(ctx, id BookID) (Book,
// error) keyed by id alone, with the namespaces of the batch read with
// {id} for {ids}, the same element type and the same notfound= list. The
// batch read's elements are then stored and read as that method's
// entries: a batch fills the cache of the single reads and the other way
// round. Entry keys carry the method's name, its result type and its
// not-found errors, so a batch read that does not agree with any single
// read has entries of its own (under the same member namespaces, so that
// the same writes invalidate them).
func shareBatchEntries(iface *Interface) {
	for _, m := range iface.Methods {
		if m.Kind != Batch {
			continue
		}
		for _, s := range iface.Methods {
			if s.Kind == Read && batchAgrees(m, s) {
				m.Batch.Shares, m.Batch.SharesNamespaces = s.Name, s.Namespaces
				break
			}
		}
	}
}

// batchAgrees reports whether the entries of the single read s are those
// of the elements of the batch read m.
//
// A batch read returning a map shares none: it has no by= to tell whether a
// single read's entry holds a row of its id, or a nil pointer or zero value
// that read returned for a missing one, which the map would then hold.
func batchAgrees(m, s *Method) bool {
	b := m.Batch
	if b.Map || s.ResultType != "" || !s.HasError || s.Values() != 1 || !types.Identical(s.Results[0], b.Value) ||
		len(s.Key) != 1 || s.Key[0].Path.Result || len(s.Key[0].Path.Fields) > 0 || !types.Identical(s.Key[0].Path.Type, b.ID) ||
		len(s.Namespaces) != len(m.Namespaces) || len(s.NotFound) != len(m.NotFound) || m.Templated() != s.Templated() {
		return false
	}
	for i, v := range m.NotFound {
		if *v != *s.NotFound[i] {
			return false
		}
	}
	param := s.Key[0].Path.Text
	for i, ns := range m.Namespaces {
		if m.Members == nil || m.Members[i] == nil {
			if s.Namespaces[i] != ns || s.Members != nil && s.Members[i] != nil {
				return false
			}
			continue
		}
		if s.Namespaces[i] != family(ns)+":{"+param+"}" {
			return false
		}
	}
	return true
}
