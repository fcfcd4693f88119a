package templates

import (
	"fmt"
	"go/types"
	"time"

	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
)

// methodScope holds the names chosen for one generated method.
type methodScope struct {
	m      *generator.Method
	names  *namer
	recv   string
	params []string // one per parameter
}

func (e *emitter) scope(m *generator.Method) *methodScope {
	s := &methodScope{m: m, names: newNamer(e.reserved)}
	s.recv = s.names.name("r")
	for i, p := range m.Params {
		name := p.Name
		if name == "" || name == "_" {
			name = fmt.Sprintf("p%d", i)
		}
		s.params = append(s.params, s.names.name(name))
	}
	return s
}

// signature returns func (r *CachedX) Name(params) (results).
func (e *emitter) signature(s *methodScope) *jen.Statement {
	params := make([]jen.Code, len(s.m.Params))
	for i, p := range s.m.Params {
		if s.m.Variadic && i == len(s.m.Params)-1 {
			params[i] = jen.Id(s.params[i]).Op("...").Add(e.types.typ(p.Type.(*types.Slice).Elem()))
			continue
		}
		params[i] = jen.Id(s.params[i]).Add(e.types.typ(p.Type))
	}
	results := make([]jen.Code, len(s.m.Results))
	for i, r := range s.m.Results {
		results[i] = e.types.typ(r)
	}
	return jen.Func().Params(jen.Id(s.recv).Op("*").Id(e.wrapper)).Id(s.m.Name).Params(params...).Params(results...)
}

// callNext returns r.next.Name(args...), with ctx as the context argument
// when ctx is not "".
func (e *emitter) callNext(s *methodScope, ctx string) *jen.Statement {
	args := make([]jen.Code, len(s.params))
	for i, p := range s.params {
		arg := jen.Id(p)
		if i == s.m.CtxParam && ctx != "" {
			arg = jen.Id(ctx)
		}
		if s.m.Variadic && i == len(s.params)-1 {
			arg = arg.Op("...")
		}
		args[i] = arg
	}
	return jen.Id(s.recv).Dot("next").Dot(s.m.Name).Call(args...)
}

// ctxArg returns the method's context parameter, or context.Background().
func (s *methodScope) ctxArg() jen.Code {
	if s.m.CtxParam >= 0 {
		return jen.Id(s.params[s.m.CtxParam])
	}
	return jen.Qual("context", "Background").Call()
}

func (e *emitter) method(m *generator.Method) jen.Code {
	switch m.Kind {
	case generator.Read:
		return e.read(m)
	case generator.Write:
		return e.write(m)
	}
	return e.passThrough(m)
}

// passThrough emits:
//
//	// Ping calls the wrapped Ping; it is not cached.
//	func (r *CachedBookRepository) Ping(ctx context.Context) error {
//		return r.next.Ping(ctx)
//	}
func (e *emitter) passThrough(m *generator.Method) jen.Code {
	s := e.scope(m)
	call := e.callNext(s, "")
	body := call
	if len(m.Results) > 0 {
		body = jen.Return(call)
	}
	return doc(m.Name + " calls the wrapped " + m.Name + "; it is not cached.").Add(e.signature(s)).Block(body)
}

// write emits:
//
//	// CreateBook calls the wrapped CreateBook, then invalidates namespaces books.
//	func (r *CachedBookRepository) CreateBook(ctx context.Context, b *Book) (int64, error) {
//		defer r.createBook.Invalidate(ctx)
//		return r.next.CreateBook(ctx, b)
//	}
func (e *emitter) write(m *generator.Method) jen.Code {
	s := e.scope(m)
	call := e.callNext(s, "")
	if len(m.Results) > 0 {
		call = jen.Return(call)
	}
	return doc(m.Name+" calls the wrapped "+m.Name+", then invalidates namespaces "+namespaceList(m.Namespaces)+",",
		"also when it fails.").Add(e.signature(s)).Block(
		jen.Defer().Id(s.recv).Dot(e.fields[m.Name]).Dot("Invalidate").Call(s.ctxArg()),
		call,
	)
}

// read emits, for (T, error):
//
//	// GetBook returns the results of the wrapped GetBook, cached for 1h0m0s in namespaces books.
//	func (r *CachedBookRepository) GetBook(ctx context.Context, id int64) (*Book, error) {
//		k := r.getBook.Key()
//		k.Int(id)
//		return cache.Fetch(ctx, r.getBook, k, func(ctx2 context.Context) (*Book, error) {
//			return r.next.GetBook(ctx2, id)
//		})
//	}
//
// For several values the closure packs them into the method's result struct;
// without an error result, a failed Fetch (the caller's context ended while
// it waited for another caller's load) calls the wrapped method directly.
func (e *emitter) read(m *generator.Method) jen.Code {
	s := e.scope(m)
	field := jen.Id(s.recv).Dot(e.fields[m.Name])
	var body []jen.Code

	key := jen.Id(s.recv).Dot(e.fields[m.Name]).Dot("Key").Call()
	var keyParams []int
	for i, p := range m.Params {
		if p.Key != nil {
			keyParams = append(keyParams, i)
		}
	}
	if len(keyParams) > 0 {
		k := s.names.name("k")
		body = append(body, jen.Id(k).Op(":=").Add(key))
		w := &keyWriter{k: k, names: s.names, types: e.types}
		for _, i := range keyParams {
			body = append(body, w.value(m.Params[i].Key, jen.Id(s.params[i]))...)
		}
		key = jen.Id(k)
	}

	ctx := s.names.name("ctx")
	closureCtx := jen.Id(ctx)
	if m.CtxParam < 0 {
		closureCtx = jen.Id("_")
	}
	values := valueCount(m)
	resultName, packed := e.results[m.Name]
	var tType jen.Code
	var closureBody []jen.Code
	tType = e.cachedType(m)
	switch {
	case packed:
		vars := make([]jen.Code, len(m.Results))
		dict := jen.Dict{}
		for i := range values {
			v := s.names.name(fmt.Sprintf("r%d", i))
			vars[i] = jen.Id(v)
			dict[jen.Id(resultField(i))] = jen.Id(v)
		}
		errOut := jen.Nil()
		if m.HasError {
			errName := s.names.name("err")
			vars[values] = jen.Id(errName)
			errOut = jen.Id(errName)
		}
		closureBody = []jen.Code{
			jen.List(vars...).Op(":=").Add(e.callNext(s, ctx)),
			jen.Return(jen.Id(resultName).Values(dict), errOut),
		}
	case m.HasError:
		closureBody = []jen.Code{jen.Return(e.callNext(s, ctx))}
	default:
		closureBody = []jen.Code{jen.Return(e.callNext(s, ctx), jen.Nil())}
	}
	closure := jen.Func().Params(closureCtx.Qual("context", "Context")).
		Params(tType, jen.Error()).Block(closureBody...)
	fetch := jen.Qual(cachePkg, "Fetch").Call(s.ctxArg(), field, key, closure)

	switch {
	case !packed && m.HasError:
		body = append(body, jen.Return(fetch))
	case packed:
		res := s.names.name("res")
		errName := s.names.name("err")
		body = append(body, jen.List(jen.Id(res), jen.Id(errName)).Op(":=").Add(fetch))
		outs := make([]jen.Code, 0, len(m.Results))
		for i := range values {
			outs = append(outs, jen.Id(res).Dot(resultField(i)))
		}
		if m.HasError {
			body = append(body, jen.Return(append(outs, jen.Id(errName))...))
		} else {
			body = append(body,
				jen.If(jen.Id(errName).Op("!=").Nil()).Block(jen.Return(e.callNext(s, ""))),
				jen.Return(outs...))
		}
	default: // one value, no error
		v := s.names.name("v")
		errName := s.names.name("err")
		body = append(body,
			jen.List(jen.Id(v), jen.Id(errName)).Op(":=").Add(fetch),
			jen.If(jen.Id(errName).Op("!=").Nil()).Block(jen.Return(e.callNext(s, ""))),
			jen.Return(jen.Id(v)))
	}
	return doc(m.Name+" returns the results of the wrapped "+m.Name+", cached for "+ttlText(m.TTL),
		"in namespaces "+namespaceList(m.Namespaces)+".").Add(e.signature(s)).Block(body...)
}

func ttlText(d time.Duration) string { return d.String() }

// cachedType returns the type a read method's results are cached as: its
// value, or the struct packing its values.
func (e *emitter) cachedType(m *generator.Method) jen.Code {
	if name, ok := e.results[m.Name]; ok {
		return jen.Id(name)
	}
	return e.types.typ(m.Results[0])
}
