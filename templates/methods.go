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

// signature returns func (r *CachedX) Name(params) (results), the results
// named when names are given.
func (e *emitter) signature(s *methodScope, names ...string) *jen.Statement {
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
		if names != nil {
			results[i] = jen.Id(names[i]).Add(results[i])
		}
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
	return jen.Id(s.recv).Dot(e.next).Dot(s.m.Name).Call(args...)
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
	case generator.Batch:
		return e.batch(m)
	case generator.Rewrap, generator.TxScoped:
		return e.rewrap(m)
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
	if m.Templated() {
		return e.writeMembers(m)
	}
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

// writeMembers emits a write whose namespaces include templates: after the
// call, whose pointers may have been filled in, it names the members and
// invalidates them:
//
//	func (r *CachedItemRepository) SaveItem(ctx context.Context, it *Item) error {
//		defer func() {
//			k := r.saveItem.Key()
//			k.Member()
//			if it != nil {
//				k.Int(it.ID)
//			} else {
//				k.Family()
//			}
//			r.saveItem.InvalidateKey(ctx, k)
//		}()
//		return r.next.SaveItem(ctx, it)
//	}
//
// A template naming a result (item:{created.ID}) is filled in only when the
// call returned without an error; otherwise the whole family is
// invalidated. The results are then named in the signature and set before
// the deferred function runs.
func (e *emitter) writeMembers(m *generator.Method) jen.Code {
	s := e.scope(m)
	var results []string
	if m.UsesResults() {
		for i := range m.Results {
			name := "r" + fmt.Sprint(i)
			if m.HasError && i == len(m.Results)-1 {
				name = "err"
			}
			results = append(results, s.names.name(name))
		}
	}
	done := ""
	if results != nil {
		done = s.names.name("done")
	}
	k := s.names.name("k")
	w := &keyWriter{k: k, names: s.names, types: e.types}
	deferred := []jen.Code{jen.Id(k).Op(":=").Id(s.recv).Dot(e.fields[m.Name]).Dot("Key").Call()}
	for _, members := range m.Members {
		if members == nil {
			continue
		}
		deferred = append(deferred, jen.Id(k).Dot("Member").Call())
		var conds []jen.Code
		var writes []jen.Code
		usesResult := false
		for _, part := range members {
			root := s.params
			if part.Path.Result {
				root, usesResult = results, true
			}
			if g := pathGuard(part.Path, root[part.Path.Param]); g != nil {
				conds = append(conds, g)
			}
			writes = append(writes, w.value(part.Enc, pathExpr(part.Path, root[part.Path.Param]))...)
		}
		if usesResult {
			ok := jen.Id(done)
			if m.HasError {
				ok = ok.Op("&&").Id(results[len(results)-1]).Op("==").Nil()
			}
			conds = append([]jen.Code{ok}, conds...)
		}
		if len(conds) == 0 {
			deferred = append(deferred, writes...)
			continue
		}
		cond := jen.Add(conds[0])
		for _, c := range conds[1:] {
			cond = cond.Op("&&").Add(c)
		}
		deferred = append(deferred, jen.If(cond).Block(writes...).Else().Block(jen.Id(k).Dot("Family").Call()))
	}
	deferred = append(deferred, jen.Id(s.recv).Dot(e.fields[m.Name]).Dot("InvalidateKey").Call(s.ctxArg(), jen.Id(k)))

	sig := e.signature(s, results...)
	body := []jen.Code{jen.Defer().Func().Params().Block(deferred...).Call()}
	call := e.callNext(s, "")
	switch {
	case results != nil:
		vars := make([]jen.Code, len(results))
		for i, r := range results {
			vars[i] = jen.Id(r)
		}
		body = append([]jen.Code{jen.Id(done).Op(":=").False()}, body...)
		body = append(body, jen.List(vars...).Op("=").Add(call), jen.Id(done).Op("=").True(), jen.Return(vars...))
	case len(m.Results) > 0:
		body = append(body, jen.Return(call))
	default:
		body = append(body, call)
	}
	docs := []string{m.Name + " calls the wrapped " + m.Name + ", then invalidates namespaces " + namespaceList(m.Namespaces) + ",", "also when it fails."}
	if results != nil {
		docs[1] = "also when it fails (then the whole family of a template naming a result)."
	}
	return doc(docs...).Add(sig).Block(body...)
}

// read emits a cached read: the key, then the call of cache.Fetch in the
// form the method's results take.
func (e *emitter) read(m *generator.Method) jen.Code {
	s := e.scope(m)
	body, key := e.key(s)
	var tail []jen.Code
	switch {
	case packed(m):
		tail = e.readPacked(s, key)
	case m.HasError:
		tail = e.readOne(s, key)
	default:
		tail = e.readOneNoErr(s, key)
	}
	return doc(m.Name+" returns the results of the wrapped "+m.Name+", cached for "+ttlText(m.TTL),
		"in namespaces "+namespaceList(m.Namespaces)+".").Add(e.signature(s)).Block(append(body, tail...)...)
}

// key emits the statements building the key of a read and returns them
// with the key expression:
//
//	k := r.getBook.Key()
//	k.Int(id)
//
// or, when nothing makes the key, no statement and r.count.Key().
//
// With namespace templates, the members come first, each after k.Member(),
// then k.Args() and the arguments:
//
//	k := r.getItem.Key()
//	k.Member()
//	k.Int(id)
//	k.Args()
//	k.Int(id)
func (e *emitter) key(s *methodScope) ([]jen.Code, jen.Code) {
	key := jen.Id(s.recv).Dot(e.fields[s.m.Name]).Dot("Key").Call()
	if len(s.m.Key) == 0 && !s.m.Templated() {
		return nil, key
	}
	k := s.names.name("k")
	body := []jen.Code{jen.Id(k).Op(":=").Add(key)}
	w := &keyWriter{k: k, names: s.names, types: e.types}
	if s.m.Templated() {
		for _, members := range s.m.Members {
			if members == nil {
				continue
			}
			body = append(body, jen.Id(k).Dot("Member").Call())
			for _, part := range members {
				body = append(body, w.path(part, s.params[part.Path.Param])...)
			}
		}
		body = append(body, jen.Id(k).Dot("Args").Call())
	}
	for _, part := range s.m.Key {
		body = append(body, w.path(part, s.params[part.Path.Param])...)
	}
	return body, jen.Id(k)
}

// fetch emits cache.Fetch(ctx, r.getBook, k, func(ctx2 context.Context) (T, error) { <body> })
// and returns it with the closure's context variable.
func (e *emitter) fetch(s *methodScope, key, t jen.Code, body func(ctx string) []jen.Code) *jen.Statement {
	ctx := s.names.name("ctx")
	closureCtx := jen.Id(ctx)
	if s.m.CtxParam < 0 {
		closureCtx = jen.Id("_")
	}
	closure := jen.Func().Params(closureCtx.Qual("context", "Context")).
		Params(t, jen.Error()).Block(body(ctx)...)
	return jen.Qual(cachePkg, "Fetch").Call(s.ctxArg(), jen.Id(s.recv).Dot(e.fields[s.m.Name]), key, closure)
}

// readOne emits, for (T, error):
//
//	return cache.Fetch(ctx, r.getBook, k, func(ctx2 context.Context) (*Book, error) {
//		return r.next.GetBook(ctx2, id)
//	})
func (e *emitter) readOne(s *methodScope, key jen.Code) []jen.Code {
	fetch := e.fetch(s, key, e.cachedType(s.m), func(ctx string) []jen.Code {
		return []jen.Code{jen.Return(e.callNext(s, ctx))}
	})
	return []jen.Code{jen.Return(fetch)}
}

// readOneNoErr emits, for (T):
//
//	v, err := cache.Fetch(ctx, r.count, k, func(ctx2 context.Context) (int, error) {
//		return r.next.Count(ctx2), nil
//	})
//	if err != nil {
//		return r.next.Count(ctx)
//	}
//	return v
//
// A failed Fetch (the caller's context ended while it waited for another
// caller's load) calls the wrapped method directly.
func (e *emitter) readOneNoErr(s *methodScope, key jen.Code) []jen.Code {
	fetch := e.fetch(s, key, e.cachedType(s.m), func(ctx string) []jen.Code {
		return []jen.Code{jen.Return(e.callNext(s, ctx), jen.Nil())}
	})
	v := s.names.name("v")
	errName := s.names.name("err")
	return []jen.Code{
		jen.List(jen.Id(v), jen.Id(errName)).Op(":=").Add(fetch),
		jen.If(jen.Id(errName).Op("!=").Nil()).Block(jen.Return(e.callNext(s, ""))),
		jen.Return(jen.Id(v)),
	}
}

// readPacked emits, for (T1, T2, error), with the method's result struct:
//
//	res, err2 := cache.Fetch(ctx, r.page, k, func(ctx2 context.Context) (storePageResult, error) {
//		r0, r1, err := r.next.Page(ctx2, q)
//		return storePageResult{R0: r0, R1: r1}, err
//	})
//	return res.R0, res.R1, err2
//
// Without an error result, a failed Fetch calls the wrapped method directly,
// as in readOneNoErr.
func (e *emitter) readPacked(s *methodScope, key jen.Code) []jen.Code {
	m := s.m
	resultName := m.ResultType
	values := m.Values()
	fetch := e.fetch(s, key, e.cachedType(m), func(ctx string) []jen.Code {
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
		return []jen.Code{
			jen.List(vars...).Op(":=").Add(e.callNext(s, ctx)),
			jen.Return(jen.Id(resultName).Values(dict), errOut),
		}
	})
	res := s.names.name("res")
	errName := s.names.name("err")
	out := []jen.Code{jen.List(jen.Id(res), jen.Id(errName)).Op(":=").Add(fetch)}
	outs := make([]jen.Code, 0, len(m.Results))
	for i := range values {
		outs = append(outs, jen.Id(res).Dot(resultField(i)))
	}
	if m.HasError {
		return append(out, jen.Return(append(outs, jen.Id(errName))...))
	}
	return append(out,
		jen.If(jen.Id(errName).Op("!=").Nil()).Block(jen.Return(e.callNext(s, ""))),
		jen.Return(outs...))
}

func ttlText(d time.Duration) string { return d.String() }

// cachedType returns the type a read method's results are cached as: its
// value, or the struct packing its values.
func (e *emitter) cachedType(m *generator.Method) jen.Code {
	if packed(m) {
		return jen.Id(m.ResultType)
	}
	return e.types.typ(m.Results[0])
}

// rewrap emits a method returning the interface itself, whose result it
// wraps with the same cache; for a repository scoped to a database
// transaction:
//
//	// WithTx calls the wrapped WithTx and wraps the BookRepository it returns, ...
//	func (r *CachedBookRepository) WithTx(tx *sql.Tx) (BookRepository, error) {
//		next, err := r.next.WithTx(tx)
//		if next == nil {
//			return next, err
//		}
//		return r.wrap(next, true), err
//	}
func (e *emitter) rewrap(m *generator.Method) jen.Code {
	s := e.scope(m)
	next := s.names.name("next")
	vars := []jen.Code{jen.Id(next)}
	outs := []jen.Code{jen.Id(s.recv).Dot(e.wrap).Call(jen.Id(next), jen.Lit(m.Kind == generator.TxScoped))}
	nilOuts := []jen.Code{jen.Id(next)}
	if m.HasError {
		errName := s.names.name("err")
		vars = append(vars, jen.Id(errName))
		outs = append(outs, jen.Id(errName))
		nilOuts = append(nilOuts, jen.Id(errName))
	}
	docs := []string{m.Name + " calls the wrapped " + m.Name + " and wraps the " + e.iface.Name + " it returns with the same cache."}
	if m.Kind == generator.TxScoped {
		docs = []string{
			m.Name + " calls the wrapped " + m.Name + " and wraps the " + e.iface.Name + " it returns, scoped to a database",
			"transaction: its reads bypass the cache (they may see uncommitted writes), and its writes",
			"invalidate, and again at Tx.Commit when their context comes from cache.BeginTx.",
		}
	}
	return doc(docs...).Add(e.signature(s)).Block(
		jen.List(vars...).Op(":=").Add(e.callNext(s, "")),
		jen.If(jen.Id(next).Op("==").Nil()).Block(jen.Return(nilOuts...)),
		jen.Return(outs...),
	)
}
