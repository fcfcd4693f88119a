package templates

import (
	"go/types"

	"github.com/dave/jennifer/jen"
)

// typeEmitter maps types.Type to jennifer code and remembers the packages
// it names, so that Render can check each has an import name.
type typeEmitter struct {
	seen map[string]bool // package paths
}

// typ returns the Go source of t.
func (e *typeEmitter) typ(t types.Type) jen.Code {
	switch t := t.(type) {
	case *types.Basic:
		return jen.Id(t.Name())
	case *types.Alias:
		return e.object(t.Obj(), t.TypeArgs())
	case *types.Named:
		return e.object(t.Obj(), t.TypeArgs())
	case *types.Pointer:
		return jen.Op("*").Add(e.typ(t.Elem()))
	case *types.Slice:
		return jen.Index().Add(e.typ(t.Elem()))
	case *types.Array:
		return jen.Index(jen.Lit(int(t.Len()))).Add(e.typ(t.Elem()))
	case *types.Map:
		return jen.Map(e.typ(t.Key())).Add(e.typ(t.Elem()))
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			return jen.Chan().Op("<-").Add(e.typ(t.Elem()))
		case types.RecvOnly:
			return jen.Op("<-").Chan().Add(e.typ(t.Elem()))
		}
		return jen.Chan().Add(e.typ(t.Elem()))
	case *types.Signature:
		return jen.Func().Params(e.tuple(t.Params(), t.Variadic())...).Params(e.tuple(t.Results(), false)...)
	case *types.Struct:
		fields := make([]jen.Code, t.NumFields())
		for i := range t.NumFields() {
			f := t.Field(i)
			s := jen.Null()
			if !f.Embedded() {
				s = jen.Id(f.Name())
			}
			s = s.Add(e.typ(f.Type()))
			if tag := t.Tag(i); tag != "" {
				s = s.Add(jen.Lit(tag))
			}
			fields[i] = s
		}
		return jen.Struct(fields...)
	case *types.Interface:
		var items []jen.Code
		for i := range t.NumEmbeddeds() {
			items = append(items, e.typ(t.EmbeddedType(i)))
		}
		for i := range t.NumExplicitMethods() {
			m := t.ExplicitMethod(i)
			sig := m.Type().(*types.Signature)
			items = append(items, jen.Id(m.Name()).Params(e.tuple(sig.Params(), sig.Variadic())...).Params(e.tuple(sig.Results(), false)...))
		}
		return jen.Interface(items...)
	case *types.TypeParam:
		return jen.Id(t.Obj().Name())
	case *types.Union:
		terms := make([]jen.Code, t.Len())
		for i := range t.Len() {
			term := t.Term(i)
			c := e.typ(term.Type())
			if term.Tilde() {
				c = jen.Op("~").Add(c)
			}
			terms[i] = c
		}
		return jen.Union(terms...)
	}
	return jen.Id(t.String())
}

// object returns a possibly qualified, possibly instantiated type name.
func (e *typeEmitter) object(obj *types.TypeName, args *types.TypeList) jen.Code {
	var c *jen.Statement
	if obj.Pkg() == nil {
		c = jen.Id(obj.Name())
	} else {
		e.seen[obj.Pkg().Path()] = true
		c = jen.Qual(obj.Pkg().Path(), obj.Name())
	}
	if args != nil && args.Len() > 0 {
		ts := make([]jen.Code, args.Len())
		for i := range args.Len() {
			ts[i] = e.typ(args.At(i))
		}
		c = c.Types(ts...)
	}
	return c
}

// tuple returns the types of a parameter or result list, unnamed.
func (e *typeEmitter) tuple(t *types.Tuple, variadic bool) []jen.Code {
	out := make([]jen.Code, t.Len())
	for i := range t.Len() {
		out[i] = e.typ(t.At(i).Type())
		if variadic && i == t.Len()-1 {
			out[i] = jen.Op("...").Add(e.typ(t.At(i).Type().(*types.Slice).Elem()))
		}
	}
	return out
}
