package templates

import (
	"go/types"

	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
)

const cachePkg = "github.com/cachegen/cachegen/cache"

// keyWriter emits the statements that append one value to the key k.
type keyWriter struct {
	k     string // the key variable
	names *namer // for loop variables
	types *typeEmitter
}

// value emits the statements writing val, planned by enc, into the key.
func (w *keyWriter) value(enc *generator.KeyEnc, val jen.Code) []jen.Code {
	if sc, ok := scalars[enc.Kind]; ok {
		return w.call(sc.method, w.conv(enc.Type, sc.arg, val))
	}
	switch enc.Kind {
	case generator.KeyStringer:
		return w.stringer(enc, val)
	case generator.KeyText:
		return w.text(enc, val)
	case generator.KeyPointer:
		return w.pointer(enc, val)
	case generator.KeySlice:
		return w.nilOr(val, w.list(enc, val))
	case generator.KeyArray:
		return w.list(enc, val)
	case generator.KeyMap:
		return w.nilOr(val, w.mapEntries(enc, val))
	case generator.KeyStruct:
		return w.structFields(enc, val)
	}
	panic("templates: unknown key encoding")
}

// scalars are the encodings that are one call of a cache.Key method, with
// the argument converted to the method's parameter type when it is a named
// type: k.Int(int64(v)), k.String(v), k.Time(v).
var scalars = map[generator.KeyEncKind]struct {
	method string
	arg    types.Type
}{
	generator.KeyString:  {"String", types.Typ[types.String]},
	generator.KeyInt:     {"Int", types.Typ[types.Int64]},
	generator.KeyUint:    {"Uint", types.Typ[types.Uint64]},
	generator.KeyFloat:   {"Float", types.Typ[types.Float64]},
	generator.KeyComplex: {"Complex", types.Typ[types.Complex128]},
	generator.KeyBool:    {"Bool", types.Typ[types.Bool]},
	generator.KeyBytes:   {"Bytes", types.NewSlice(types.Typ[types.Byte])},
	generator.KeyTime:    {"Time", nil}, // time.Time, passed as it is
}

// call emits k.Method(arg).
func (w *keyWriter) call(method string, arg jen.Code) []jen.Code {
	return []jen.Code{jen.Id(w.k).Dot(method).Call(arg)}
}

// conv emits to(v), or v when v's type is already to or to is nil.
func (w *keyWriter) conv(from, to types.Type, val jen.Code) jen.Code {
	if to == nil || types.Identical(from, to) {
		return val
	}
	return w.types.typ(to).(*jen.Statement).Clone().Call(val)
}

// stringer emits, for an interface value:
//
//	if v == nil { k.Nil() } else { k.Stringer(v) }
//
// (which bypasses the cache when String panics on a nil pointer the
// interface holds), and k.String(v.String()) for any other type.
func (w *keyWriter) stringer(enc *generator.KeyEnc, val jen.Code) []jen.Code {
	if _, isIface := enc.Type.Underlying().(*types.Interface); isIface {
		return w.nilOr(val, w.call("Stringer", val))
	}
	return w.call("String", jen.Add(val).Dot("String").Call())
}

// text emits, for a pointer or an interface:
//
//	if v == nil { k.Nil() } else { k.Text(v) }
//
// and k.Text(v) for any other type, or a pointer checked for nil already.
func (w *keyWriter) text(enc *generator.KeyEnc, val jen.Code) []jen.Code {
	call := w.call("Text", val)
	if enc.Checked {
		return call
	}
	switch enc.Type.Underlying().(type) {
	case *types.Interface, *types.Pointer:
		return w.nilOr(val, call)
	}
	return call
}

// pointer emits:
//
//	if v == nil { k.Nil() } else { k.Ref(); <*v> }
func (w *keyWriter) pointer(enc *generator.KeyEnc, val jen.Code) []jen.Code {
	body := append([]jen.Code{jen.Id(w.k).Dot("Ref").Call()}, w.value(enc.Elem, jen.Parens(jen.Op("*").Add(val)))...)
	return w.nilOr(val, body)
}

// nilOr emits:
//
//	if v == nil { k.Nil() } else { <body> }
func (w *keyWriter) nilOr(val jen.Code, body []jen.Code) []jen.Code {
	return []jen.Code{
		jen.If(jen.Add(val).Op("==").Nil()).Block(jen.Id(w.k).Dot("Nil").Call()).Else().Block(body...),
	}
}

// list emits:
//
//	k.Open('[')
//	for _, e := range v { <e> }
//	k.Close(']')
func (w *keyWriter) list(enc *generator.KeyEnc, val jen.Code) []jen.Code {
	e := w.names.name("e")
	return []jen.Code{
		jen.Id(w.k).Dot("Open").Call(jen.LitRune('[')),
		jen.For(jen.List(jen.Id("_"), jen.Id(e)).Op(":=").Range().Add(val)).Block(w.value(enc.Elem, jen.Id(e))...),
		jen.Id(w.k).Dot("Close").Call(jen.LitRune(']')),
	}
}

// mapEntries emits:
//
//	k.Open('[')
//	for _, mk := range cache.SortedKeys(v) {
//		k.Open('('); <mk>; <v[mk]>; k.Close(')')
//	}
//	k.Close(']')
func (w *keyWriter) mapEntries(enc *generator.KeyEnc, val jen.Code) []jen.Code {
	mk := w.names.name("mk")
	body := []jen.Code{jen.Id(w.k).Dot("Open").Call(jen.LitRune('('))}
	body = append(body, w.value(enc.MapKey, jen.Id(mk))...)
	body = append(body, w.value(enc.Elem, jen.Add(val).Index(jen.Id(mk)))...)
	body = append(body, jen.Id(w.k).Dot("Close").Call(jen.LitRune(')')))
	sorted := jen.Qual(cachePkg, "SortedKeys").Call(val)
	return []jen.Code{
		jen.Id(w.k).Dot("Open").Call(jen.LitRune('[')),
		jen.For(jen.List(jen.Id("_"), jen.Id(mk)).Op(":=").Range().Add(sorted)).Block(body...),
		jen.Id(w.k).Dot("Close").Call(jen.LitRune(']')),
	}
}

// structFields emits:
//
//	k.Open('(')
//	<v.Field1>
//	...
//	k.Close(')')
func (w *keyWriter) structFields(enc *generator.KeyEnc, val jen.Code) []jen.Code {
	out := []jen.Code{jen.Id(w.k).Dot("Open").Call(jen.LitRune('('))}
	for _, f := range enc.Fields {
		out = append(out, w.value(f.Enc, jen.Add(val).Dot(f.Name))...)
	}
	return append(out, jen.Id(w.k).Dot("Close").Call(jen.LitRune(')')))
}
