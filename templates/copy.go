package templates

import (
	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
)

// copyWriter emits the body of one copy function, whose parameter is in.
type copyWriter struct {
	in, out string
	names   *namer // for loop variables
	types   *typeEmitter
}

// copyFunc emits the function planned by c, in the form of its kind:
//
//	// bookRepositoryCopyBook returns a deep copy of in.
//	func bookRepositoryCopyBook(in Book) Book { <body> }
func (e *emitter) copyFunc(c *generator.Copier) jen.Code {
	names := newNamer(e.reserved)
	w := &copyWriter{in: names.name("in"), out: names.name("out"), names: names, types: e.types}
	var body []jen.Code
	switch c.Kind {
	case generator.CopyValue:
		body = w.value()
	case generator.CopyPointer:
		body = w.pointer(c)
	case generator.CopySlice:
		body = w.slice(c)
	case generator.CopyMap:
		body = w.mapValues(c)
	case generator.CopyArray:
		body = w.array(c)
	case generator.CopyStruct:
		body = w.structFields(c)
	case generator.CopyBig:
		body = w.big(c)
	default:
		panic("templates: unknown copy kind")
	}
	return doc(c.Func + " returns a deep copy of " + w.in + ".").
		Func().Id(c.Func).Params(jen.Id(w.in).Add(e.types.typ(c.Type))).Add(e.types.typ(c.Type)).Block(body...)
}

// copyOf emits a copy of val, planned by c: val itself for a value, else
// the call of c's function.
func copyOf(c *generator.Copier, val jen.Code) jen.Code {
	if c.Kind == generator.CopyValue {
		return val
	}
	return jen.Id(c.Func).Call(val)
}

// value emits, for a type that holds nothing mutable:
//
//	return in
func (w *copyWriter) value() []jen.Code {
	return []jen.Code{jen.Return(jen.Id(w.in))}
}

// nilIn emits:
//
//	if in == nil {
//		return nil
//	}
func (w *copyWriter) nilIn() jen.Code {
	return jen.If(jen.Id(w.in).Op("==").Nil()).Block(jen.Return(jen.Nil()))
}

// pointer emits:
//
//	if in == nil {
//		return nil
//	}
//	out := <copy of *in>
//	return &out
func (w *copyWriter) pointer(c *generator.Copier) []jen.Code {
	return []jen.Code{
		w.nilIn(),
		jen.Id(w.out).Op(":=").Add(copyOf(c.Elem, jen.Op("*").Id(w.in))),
		jen.Return(jen.Op("&").Id(w.out)),
	}
}

// slice emits, when the elements are values:
//
//	if in == nil {
//		return nil
//	}
//	out := make([]T, len(in))
//	copy(out, in)
//	return out
//
// and otherwise copies each element: for i := range in { out[i] = <copy of in[i]> }.
func (w *copyWriter) slice(c *generator.Copier) []jen.Code {
	out := []jen.Code{
		w.nilIn(),
		jen.Id(w.out).Op(":=").Make(w.types.typ(c.Type), jen.Len(jen.Id(w.in))),
	}
	if c.Elem.Kind == generator.CopyValue {
		out = append(out, jen.Copy(jen.Id(w.out), jen.Id(w.in)))
	} else {
		out = append(out, w.eachIndex(c.Elem))
	}
	return append(out, jen.Return(jen.Id(w.out)))
}

// eachIndex emits:
//
//	for i := range in {
//		out[i] = <copy of in[i]>
//	}
func (w *copyWriter) eachIndex(elem *generator.Copier) jen.Code {
	i := w.names.name("i")
	return jen.For(jen.Id(i).Op(":=").Range().Id(w.in)).Block(
		jen.Id(w.out).Index(jen.Id(i)).Op("=").Add(copyOf(elem, jen.Id(w.in).Index(jen.Id(i)))),
	)
}

// mapValues emits, when the values are values:
//
//	return maps.Clone(in)
//
// and otherwise:
//
//	if in == nil {
//		return nil
//	}
//	out := make(map[K]V, len(in))
//	for k, v := range in {
//		out[k] = <copy of v>
//	}
//	return out
func (w *copyWriter) mapValues(c *generator.Copier) []jen.Code {
	if c.Elem.Kind == generator.CopyValue {
		return []jen.Code{jen.Return(jen.Qual("maps", "Clone").Call(jen.Id(w.in)))}
	}
	k, v := w.names.name("k"), w.names.name("v")
	return []jen.Code{
		w.nilIn(),
		jen.Id(w.out).Op(":=").Make(w.types.typ(c.Type), jen.Len(jen.Id(w.in))),
		jen.For(jen.List(jen.Id(k), jen.Id(v)).Op(":=").Range().Id(w.in)).Block(
			jen.Id(w.out).Index(jen.Id(k)).Op("=").Add(copyOf(c.Elem, jen.Id(v))),
		),
		jen.Return(jen.Id(w.out)),
	}
}

// clonesMap reports whether the function of c calls maps.Clone.
func clonesMap(c *generator.Copier) bool {
	return c.Kind == generator.CopyMap && c.Elem.Kind == generator.CopyValue
}

// array emits:
//
//	var out [N]T
//	for i := range in {
//		out[i] = <copy of in[i]>
//	}
//	return out
func (w *copyWriter) array(c *generator.Copier) []jen.Code {
	return []jen.Code{
		jen.Var().Id(w.out).Add(w.types.typ(c.Type)),
		w.eachIndex(c.Elem),
		jen.Return(jen.Id(w.out)),
	}
}

// structFields emits:
//
//	out := in
//	out.Author = <copy of in.Author>
//	...
//	return out
//
// with one line per field that needs a copy of its own.
func (w *copyWriter) structFields(c *generator.Copier) []jen.Code {
	out := []jen.Code{jen.Id(w.out).Op(":=").Id(w.in)}
	for _, f := range c.Fields {
		out = append(out, jen.Id(w.out).Dot(f.Name).Op("=").Add(copyOf(f.Copy, jen.Id(w.in).Dot(f.Name))))
	}
	return append(out, jen.Return(jen.Id(w.out)))
}

// big emits, for math/big's types:
//
//	var out big.Int
//	out.Set(&in)
//	return out
func (w *copyWriter) big(c *generator.Copier) []jen.Code {
	return []jen.Code{
		jen.Var().Id(w.out).Add(w.types.typ(c.Type)),
		jen.Id(w.out).Dot(c.Method).Call(jen.Op("&").Id(w.in)),
		jen.Return(jen.Id(w.out)),
	}
}
