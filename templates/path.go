package templates

import (
	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
)

// pathExpr emits the value at the end of p, whose parameter is named
// param in the generated method: q, q.Filter.Page, (*q.ID), t.UUID().
func pathExpr(p *generator.ValuePath, param string) *jen.Statement {
	return pathPrefix(p, param, len(p.Fields))
}

// pathPrefix emits the value p reaches after its first n fields.
func pathPrefix(p *generator.ValuePath, param string, n int) *jen.Statement {
	s := jen.Id(param)
	for _, f := range p.Fields[:n] {
		switch {
		case f.Deref:
			s = jen.Parens(jen.Op("*").Add(s))
		case f.Call:
			s = s.Dot(f.Name).Call()
		case !f.Elided && !f.Check:
			s = s.Dot(f.Name)
		}
	}
	return s
}

// pathGuard emits the condition under which every pointer p goes through
// (or dereferences) is non-nil, as q != nil && q.Filter != nil, or nil
// when it goes through none.
func pathGuard(p *generator.ValuePath, param string) jen.Code {
	var guard *jen.Statement
	for i, f := range p.Fields {
		if !f.NilCheck {
			continue
		}
		check := pathPrefix(p, param, i).Op("!=").Nil()
		if guard == nil {
			guard = check
		} else {
			guard = guard.Op("&&").Add(check)
		}
	}
	if guard == nil {
		return nil
	}
	return guard
}

// path emits the statements writing one part of a key. A field path
// through pointers is written only when none is nil; a nil one makes the
// call bypass the cache:
//
//	if f != nil {
//		k.String(f.Email)
//	} else {
//		k.Bypass()
//	}
func (w *keyWriter) path(part *generator.KeyPart, param string) []jen.Code {
	stmts := w.value(part.Enc, pathExpr(part.Path, param))
	guard := pathGuard(part.Path, param)
	if guard == nil {
		return stmts
	}
	return []jen.Code{jen.If(guard).Block(stmts...).Else().Block(jen.Id(w.k).Dot("Bypass").Call())}
}
