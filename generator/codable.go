package generator

import (
	"fmt"
	"go/types"
	"reflect"
)

// codable returns why encoding/json would not give back a value of type t
// as it was stored, or "" when it would.
func codable(t types.Type, pkg *types.Package) string {
	c := &codec{pkg: pkg, seen: map[types.Type]bool{}}
	return c.check(t)
}

type codec struct {
	pkg  *types.Package
	seen map[types.Type]bool
}

func (c *codec) name(t types.Type) string { return types.TypeString(t, types.RelativeTo(c.pkg)) }

func (c *codec) check(t types.Type) string {
	t = types.Unalias(t)
	if n, ok := t.(*types.Named); ok {
		if c.seen[n] {
			return ""
		}
		c.seen[n] = true
	}
	switch marshals(t) {
	case both:
		return ""
	case onlyMarshal:
		return fmt.Sprintf("%s has MarshalJSON (or MarshalText) but no matching Unmarshal method on *%s, so it would not decode as it was encoded", c.name(t), c.name(t))
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsComplex != 0:
			return "encoding/json cannot encode complex numbers"
		case u.Kind() == types.UnsafePointer:
			return "unsafe.Pointer cannot be encoded"
		}
		return ""
	case *types.Pointer:
		return c.check(u.Elem())
	case *types.Slice:
		return c.check(u.Elem())
	case *types.Array:
		return c.check(u.Elem())
	case *types.Map:
		kb, isBasic := u.Key().Underlying().(*types.Basic)
		okKey := isBasic && kb.Info()&(types.IsString|types.IsInteger) != 0
		if !okKey && marshals(u.Key()) != both {
			return fmt.Sprintf("map key type %s is not a string, an integer or a TextMarshaler, which encoding/json needs", c.name(u.Key()))
		}
		return c.check(u.Elem())
	case *types.Struct:
		return c.structFields(t, u)
	case *types.Interface:
		return fmt.Sprintf("%s is an interface: encoding/json decodes it as map[string]any, not as the type that was stored; return a concrete type", c.name(t))
	case *types.Signature:
		return fmt.Sprintf("func type %s cannot be encoded", c.name(t))
	case *types.Chan:
		return fmt.Sprintf("channel type %s cannot be encoded", c.name(t))
	}
	return fmt.Sprintf("type %s cannot be encoded", c.name(t))
}

func (c *codec) structFields(t types.Type, s *types.Struct) string {
	for i := range s.NumFields() {
		f := s.Field(i)
		tag := reflect.StructTag(s.Tag(i)).Get("json")
		if tag == "-" {
			return fmt.Sprintf("field %s of %s has the tag json:\"-\", so the cache would return it empty; remove the tag or give %s MarshalJSON and UnmarshalJSON", f.Name(), c.name(t), c.name(t))
		}
		if !f.Exported() {
			if f.Embedded() {
				if _, isStruct := types.Unalias(f.Type()).Underlying().(*types.Struct); isStruct {
					if why := c.check(f.Type()); why != "" {
						return why
					}
					continue
				}
			}
			if f.Name() == "_" {
				continue
			}
			return fmt.Sprintf("field %s of %s is unexported, so encoding/json drops it and the cache would return it empty; export it or give %s MarshalJSON and UnmarshalJSON", f.Name(), c.name(t), c.name(t))
		}
		if why := c.check(f.Type()); why != "" {
			if _, isIface := types.Unalias(f.Type()).Underlying().(*types.Interface); isIface {
				return fmt.Sprintf("field %s of %s has interface type %s: encoding/json decodes it as map[string]any, not as what was stored", f.Name(), c.name(t), c.name(f.Type()))
			}
			return fmt.Sprintf("field %s of %s: %s", f.Name(), c.name(t), why)
		}
	}
	return ""
}

type marshalKind int

const (
	neither marshalKind = iota
	onlyMarshal
	both
)

// marshals reports whether t marshals itself for encoding/json and *t
// unmarshals itself (JSON or text).
func marshals(t types.Type) marshalKind {
	if _, isIface := t.Underlying().(*types.Interface); isIface {
		return neither
	}
	ptr := types.NewPointer(t)
	for _, pair := range [][2]string{{"MarshalJSON", "UnmarshalJSON"}, {"MarshalText", "UnmarshalText"}} {
		if hasMethod(t, pair[0]) || hasMethod(ptr, pair[0]) {
			if hasMethod(ptr, pair[1]) {
				return both
			}
			return onlyMarshal
		}
	}
	return neither
}

func hasMethod(t types.Type, name string) bool {
	obj, _, _ := types.LookupFieldOrMethod(t, true, nil, name)
	_, ok := obj.(*types.Func)
	return ok
}
