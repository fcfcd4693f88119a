package generator

import (
	"fmt"
	"go/types"
)

// keyEncoding returns how values of t are written into a cache key by code
// in package pkg, or why they cannot be.
func keyEncoding(t types.Type, pkg *types.Package) (*KeyEnc, string) {
	return (&keyPlanner{pkg: pkg, stack: map[types.Type]bool{}}).plan(t)
}

type keyPlanner struct {
	pkg   *types.Package
	stack map[types.Type]bool // named types being planned, to stop on recursion
}

func (p *keyPlanner) plan(t types.Type) (*KeyEnc, string) {
	t = types.Unalias(t)
	if isNamed(t, "time", "Time") {
		return &KeyEnc{Kind: KeyTime, Type: t}, ""
	}
	if n, ok := t.(*types.Named); ok {
		if p.stack[n] {
			return nil, fmt.Sprintf("type %s refers to itself", p.name(t))
		}
		p.stack[n] = true
		defer delete(p.stack, n)
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return p.basic(t, u)
	case *types.Pointer:
		elem, why := p.plan(u.Elem())
		if why != "" {
			if isTextMarshaler(t) { // MarshalText on the pointer: *big.Int
				return &KeyEnc{Kind: KeyText, Type: t}, ""
			}
			return nil, why
		}
		return &KeyEnc{Kind: KeyPointer, Type: t, Elem: elem}, ""
	case *types.Interface:
		switch {
		case isTextMarshaler(t) && u.NumMethods() == 1:
			return &KeyEnc{Kind: KeyText, Type: t}, ""
		case isStringer(t) && u.NumMethods() == 1:
			return &KeyEnc{Kind: KeyStringer, Type: t}, ""
		}
		return nil, fmt.Sprintf("interface type %s has no stable encoding (only encoding.TextMarshaler and fmt.Stringer are keyed, by their text)", p.name(t))
	case *types.Signature:
		return nil, fmt.Sprintf("func type %s has no stable encoding", p.name(t))
	case *types.Chan:
		return nil, fmt.Sprintf("channel type %s has no stable encoding", p.name(t))
	}
	// uuid.UUID, netip.Addr, net.IP: keyed by their text. Not a struct
	// that has MarshalText from a field it embeds: that text is the field's
	// alone, and the struct's other fields would be left out of the key.
	if isTextMarshaler(t) && !promoted(t, "MarshalText") {
		return &KeyEnc{Kind: KeyText, Type: t}, ""
	}
	switch u := t.Underlying().(type) {
	case *types.Slice:
		if types.Identical(u.Elem(), types.Typ[types.Byte]) {
			return &KeyEnc{Kind: KeyBytes, Type: t}, ""
		}
		elem, why := p.plan(u.Elem())
		if why != "" {
			return nil, why
		}
		return &KeyEnc{Kind: KeySlice, Type: t, Elem: elem}, ""
	case *types.Array:
		elem, why := p.plan(u.Elem())
		if why != "" {
			return nil, why
		}
		return &KeyEnc{Kind: KeyArray, Type: t, Elem: elem}, ""
	case *types.Map:
		kb, ok := u.Key().Underlying().(*types.Basic)
		if !ok || kb.Info()&types.IsOrdered == 0 {
			return nil, fmt.Sprintf("map key type %s is not ordered, so the map has no stable order", p.name(u.Key()))
		}
		if kb.Info()&types.IsFloat != 0 {
			return nil, fmt.Sprintf("map key type %s is a float: the values of NaN keys cannot be looked up to be written", p.name(u.Key()))
		}
		key, why := p.plan(u.Key())
		if why != "" {
			return nil, why
		}
		elem, why := p.plan(u.Elem())
		if why != "" {
			return nil, why
		}
		return &KeyEnc{Kind: KeyMap, Type: t, MapKey: key, Elem: elem}, ""
	case *types.Struct:
		enc, why := p.structFields(t, u)
		if why != "" && isStringer(t) && !promoted(t, "String") {
			return &KeyEnc{Kind: KeyStringer, Type: t}, ""
		}
		return enc, why
	}
	return nil, fmt.Sprintf("type %s has no stable encoding", p.name(t))
}

func (p *keyPlanner) basic(t types.Type, b *types.Basic) (*KeyEnc, string) {
	info := b.Info()
	switch {
	case info&types.IsString != 0:
		return &KeyEnc{Kind: KeyString, Type: t}, ""
	case info&types.IsBoolean != 0:
		return &KeyEnc{Kind: KeyBool, Type: t}, ""
	case info&types.IsUnsigned != 0:
		return &KeyEnc{Kind: KeyUint, Type: t}, ""
	case info&types.IsInteger != 0:
		return &KeyEnc{Kind: KeyInt, Type: t}, ""
	case info&types.IsFloat != 0:
		return &KeyEnc{Kind: KeyFloat, Type: t}, ""
	case info&types.IsComplex != 0:
		return &KeyEnc{Kind: KeyComplex, Type: t}, ""
	}
	return nil, fmt.Sprintf("type %s has no stable encoding", p.name(t))
}

// structFields plans a struct field by field; fields must be reachable from
// the generated code, which lives in package p.pkg.
func (p *keyPlanner) structFields(t types.Type, s *types.Struct) (*KeyEnc, string) {
	enc := &KeyEnc{Kind: KeyStruct, Type: t}
	for i := range s.NumFields() {
		f := s.Field(i)
		if f.Name() == "_" {
			continue
		}
		if !f.Exported() && f.Pkg() != p.pkg {
			return nil, fmt.Sprintf("field %s of %s is unexported in another package", f.Name(), p.name(t))
		}
		fe, why := p.plan(f.Type())
		if why != "" {
			return nil, fmt.Sprintf("field %s of %s: %s", f.Name(), p.name(t), why)
		}
		enc.Fields = append(enc.Fields, StructField{Name: f.Name(), Enc: fe})
	}
	return enc, ""
}

func (p *keyPlanner) name(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(p.pkg))
}

// stringer is fmt.Stringer's method set.
var stringer = types.NewInterfaceType([]*types.Func{
	types.NewFunc(0, nil, "String", types.NewSignatureType(nil, nil, nil, nil,
		types.NewTuple(types.NewVar(0, nil, "", types.Typ[types.String])), false)),
}, nil).Complete()

// isStringer reports whether values of t have a String() string method.
func isStringer(t types.Type) bool { return types.Implements(t, stringer) }

// textMarshaler is encoding.TextMarshaler's method set.
var textMarshaler = types.NewInterfaceType([]*types.Func{
	types.NewFunc(0, nil, "MarshalText", types.NewSignatureType(nil, nil, nil, nil,
		types.NewTuple(
			types.NewVar(0, nil, "", types.NewSlice(types.Typ[types.Byte])),
			types.NewVar(0, nil, "", types.Universe.Lookup("error").Type())), false)),
}, nil).Complete()

// promoted reports whether the method name of values of t is promoted
// from a field t embeds, rather than declared on t.
func promoted(t types.Type, name string) bool {
	sel := types.NewMethodSet(t).Lookup(nil, name)
	return sel != nil && len(sel.Index()) > 1
}

// isTextMarshaler reports whether values of t have a MarshalText() ([]byte,
// error) method.
func isTextMarshaler(t types.Type) bool { return types.Implements(t, textMarshaler) }
