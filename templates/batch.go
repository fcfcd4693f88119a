package templates

import (
	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
)

// batchDescriptor returns the descriptor of a batch read, that of a read
// of one element, under the name and namespaces of the single read whose
// entries it shares, if any:
//
//	cache.Read[BookRepository, Book](c, "BookRepository.GetBook", 5*time.Minute, "book:{id}").NotFound(0, ErrNotFound)
func (e *emitter) batchDescriptor(m *generator.Method, iface *jen.Statement, c string) *jen.Statement {
	name, namespaces := m.Name, m.Namespaces
	if m.Batch.Shares != "" {
		name, namespaces = m.Batch.Shares, m.Batch.SharesNamespaces
	}
	args := []jen.Code{jen.Id(c), jen.Lit(e.iface.Name + "." + name), durationCode(m.TTL)}
	for _, ns := range namespaces {
		args = append(args, jen.Lit(ns))
	}
	call := jen.Qual(cachePkg, "Read").Types(iface, e.types.typ(m.Batch.Value)).Call(args...)
	if len(m.NotFound) > 0 {
		nf := []jen.Code{durationCode(m.NotFoundTTL)}
		for _, v := range m.NotFound {
			nf = append(nf, errorRef(v))
		}
		call = call.Dot("NotFound").Call(nf...)
	}
	return call
}

// batch emits a batch read:
//
//	func (r *CachedBookRepository) GetBooks(ctx context.Context, ids []int64) ([]Book, error) {
//		return cache.FetchSlice(ctx, r.getBooks, ids, func(id int64) cache.Key {
//			k := r.getBooks.Key()
//			k.Member()
//			k.Int(id)
//			k.Args()
//			k.Int(id)
//			return k
//		}, func(v Book) (int64, bool) {
//			return v.ID, true
//		}, func(ctx2 context.Context, ids2 []int64) ([]Book, error) {
//			return r.next.GetBooks(ctx2, ids2)
//		})
//	}
//
// A map result calls cache.FetchMap, without the function of by=.
func (e *emitter) batch(m *generator.Method) jen.Code {
	s := e.scope(m)
	b := m.Batch
	field := jen.Id(s.recv).Dot(e.fields[m.Name])
	idType := func() jen.Code { return e.types.typ(b.ID) }

	id, k := s.names.name("id"), s.names.name("k")
	w := &keyWriter{k: k, names: s.names, types: e.types}
	key := []jen.Code{jen.Id(k).Op(":=").Add(field.Clone().Dot("Key").Call())}
	for _, members := range m.Members {
		if members == nil {
			continue
		}
		key = append(key, jen.Id(k).Dot("Member").Call())
		for _, part := range members {
			key = append(key, w.value(part.Enc, jen.Id(id))...)
		}
	}
	if m.Templated() {
		key = append(key, jen.Id(k).Dot("Args").Call())
	}
	for _, part := range m.Key {
		key = append(key, w.value(part.Enc, jen.Id(id))...)
	}
	key = append(key, jen.Return(jen.Id(k)))
	keyFunc := jen.Func().Params(jen.Id(id).Add(idType())).Qual(cachePkg, "Key").Block(key...)

	ctx, ids := s.names.name("ctx"), s.names.name("ids")
	closureCtx := jen.Id(ctx)
	if m.CtxParam < 0 {
		closureCtx = jen.Id("_")
	}
	args := make([]jen.Code, len(s.params))
	for i, p := range s.params {
		switch i {
		case m.CtxParam:
			args[i] = jen.Id(ctx)
		case b.Param:
			args[i] = jen.Id(ids)
			if m.Variadic && i == len(s.params)-1 {
				args[i] = jen.Id(ids).Op("...")
			}
		default:
			args[i] = jen.Id(p)
		}
	}
	result := e.types.typ(m.Results[0])
	load := jen.Func().Params(closureCtx.Qual("context", "Context"), jen.Id(ids).Index().Add(idType())).
		Params(result, jen.Error()).
		Block(jen.Return(jen.Id(s.recv).Dot(e.next).Dot(m.Name).Call(args...)))

	fetch := []jen.Code{s.ctxArg(), field.Clone(), jen.Id(s.params[b.Param]), keyFunc}
	fn := "FetchMap"
	if !b.Map {
		fn = "FetchSlice"
		v, got, ok := s.names.name("v"), s.names.name("id"), s.names.name("ok")
		body := []jen.Code{}
		if b.ByPtr {
			body = append(body, jen.If(jen.Id(v).Op("==").Nil()).Block(jen.Return()))
		}
		body = append(body, jen.Return(jen.Id(v).Dot(b.By), jen.True()))
		by := jen.Func().Params(jen.Id(v).Add(e.types.typ(b.Value))).
			Params(jen.Id(got).Add(idType()), jen.Id(ok).Bool()).Block(body...)
		fetch = append(fetch, by)
	}
	fetch = append(fetch, load)
	entries := "under an entry of its own in namespaces " + namespaceList(m.Namespaces)
	if m.Batch.Shares != "" {
		entries = "under the entry that " + m.Batch.Shares + " uses for its id, in namespaces " + namespaceList(m.Batch.SharesNamespaces)
	}
	return doc(m.Name+" returns the elements of the wrapped "+m.Name+" for the ids, each cached for "+ttlText(m.TTL),
		entries+":", "the wrapped "+m.Name+" is called once, with the ids that missed.").
		Add(e.signature(s)).Block(jen.Return(jen.Qual(cachePkg, fn).Call(fetch...)))
}
