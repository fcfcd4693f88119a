package templates

import (
	"fmt"
	"strings"
	"time"

	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
)

// wrapperType emits:
//
//	// CachedBookRepository is a BookRepository that ...
//	type CachedBookRepository struct {
//		next    BookRepository
//		getBook *cache.Method
//	}
func (e *emitter) wrapperType() jen.Code {
	fields := []jen.Code{jen.Id(e.next).Qual(e.file.PkgPath, e.iface.Name)}
	for _, m := range e.iface.Methods {
		if f, ok := e.fields[m.Name]; ok {
			fields = append(fields, jen.Id(f).Op("*").Qual(cachePkg, "Method"))
		}
	}
	return doc(e.wrapper+" is "+article(e.iface.Name)+" "+e.iface.Name+" that caches the results of its annotated reads",
		"and invalidates namespaces after its annotated writes. Create it with "+ctorOf(e.iface.Name)+".").
		Type().Id(e.wrapper).Struct(fields...)
}

// constructor emits:
//
//	// NewCachedBookRepository returns ...
//	func NewCachedBookRepository(next BookRepository, c *cache.Cache) *CachedBookRepository {
//		return &CachedBookRepository{
//			next:       next,
//			getBook:    cache.Read[BookRepository, *Book](c, "BookRepository.GetBook", time.Hour, "books").Copy(bookRepositoryCopyPtrBook),
//			createBook: cache.Write[BookRepository](c, "BookRepository.CreateBook", "books"),
//			getItem:    cache.Read[ItemRepository, Item](c, "ItemRepository.GetItem", 5*time.Minute, "item:{id}").NotFound(0, ErrNotFound).Copy(itemRepositoryCopyItem),
//		}
//	}
//
// The type arguments give the runtime the interface's package and the
// result's shape, which go into every entry key. A read whose cached type
// cachegen can copy gets its copy function (see copyFunc).
func (e *emitter) constructor() jen.Code {
	// The parameters must not hide a package-level name that the body uses.
	params := newNamer(e.reserved)
	next, c := params.name("next"), params.name("c")
	values := []jen.Code{jen.Id(e.next).Op(":").Id(next)}
	iface := jen.Qual(e.file.PkgPath, e.iface.Name)
	for _, m := range e.iface.Methods {
		f, ok := e.fields[m.Name]
		if !ok {
			continue
		}
		var desc *jen.Statement
		args := []jen.Code{jen.Id(c), jen.Lit(e.iface.Name + "." + m.Name)}
		if m.Kind == generator.Batch {
			values = append(values, jen.Id(f).Op(":").Add(e.batchDescriptor(m, iface.Clone(), c)))
			continue
		}
		if m.Kind == generator.Read {
			desc = jen.Qual(cachePkg, "Read").Types(iface.Clone(), e.cachedType(m))
			args = append(args, durationCode(m.TTL))
		} else {
			desc = jen.Qual(cachePkg, "Write").Types(iface.Clone())
		}
		for _, ns := range m.Namespaces {
			args = append(args, jen.Lit(ns))
		}
		call := desc.Call(args...)
		if len(m.NotFound) > 0 {
			nf := []jen.Code{durationCode(m.NotFoundTTL)}
			for _, v := range m.NotFound {
				nf = append(nf, errorRef(v))
			}
			call = call.Dot("NotFound").Call(nf...)
		}
		if m.Refresh > 0 {
			call = call.Dot("Refresh").Call(durationCode(m.Refresh))
		}
		if m.Copy != nil {
			call = call.Dot("Copy").Call(jen.Id(m.Copy.Func))
		}
		values = append(values, jen.Id(f).Op(":").Add(call))
	}
	_, name := generator.WrapperNames(e.iface.Name)
	return doc(name+" returns "+article(e.iface.Name)+" "+e.iface.Name+" that serves the annotated reads of next from c",
		"and invalidates c after the annotated writes. A nil c caches nothing.").
		Func().Id(name).
		Params(jen.Id(next).Qual(e.file.PkgPath, e.iface.Name), jen.Id(c).Op("*").Qual(cachePkg, "Cache")).
		Op("*").Id(e.wrapper).
		Block(jen.Return(jen.Op("&").Id(e.wrapper).Values(lines(values)...)))
}

// assertion emits:
//
//	var _ BookRepository = (*CachedBookRepository)(nil)
func (e *emitter) assertion() jen.Code {
	return jen.Var().Id("_").Qual(e.file.PkgPath, e.iface.Name).Op("=").Parens(jen.Op("*").Id(e.wrapper)).Call(jen.Nil())
}

// resultType emits, for a method returning several values:
//
//	type bookRepositoryPageResult struct {
//		R0 []Book
//		R1 int
//	}
func (e *emitter) resultType(m *generator.Method) jen.Code {
	fields := make([]jen.Code, m.Values())
	for i := range fields {
		fields[i] = jen.Id(resultField(i)).Add(e.types.typ(m.Results[i]))
	}
	return doc(m.ResultType + " holds the results of " + m.Name + " in the cache.").
		Type().Id(m.ResultType).Struct(fields...)
}

func resultField(i int) string { return fmt.Sprintf("R%d", i) }

// durationCode returns a TTL as readable Go: time.Hour, 5 * time.Minute.
func durationCode(d time.Duration) jen.Code {
	if d == 0 {
		return jen.Lit(0)
	}
	for _, u := range []struct {
		d    time.Duration
		name string
	}{{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"}, {time.Millisecond, "Millisecond"}} {
		if d%u.d == 0 {
			if d == u.d {
				return jen.Qual("time", u.name)
			}
			return jen.Lit(int(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	return jen.Qual("time", "Duration").Call(jen.Lit(int(d)))
}

// article returns "an" before a name that starts with a vowel sound, else
// "a": an ArticleRepository, a UserStore, an SQLStore.
func article(name string) string {
	lower := strings.ToLower(name)
	switch {
	case lower == "":
		return "a"
	case strings.HasPrefix(lower, "uni") || strings.HasPrefix(lower, "uu") || strings.HasPrefix(lower, "use") || strings.HasPrefix(lower, "usa") || strings.HasPrefix(lower, "uti") || strings.HasPrefix(lower, "one"):
		return "a" // a UserRepo, a UniqueIndex, a OneTimeCode
	case strings.ContainsRune("aeio", rune(lower[0])):
		return "an"
	case lower[0] == 'u':
		return "an" // an UndoLog
	case len(name) > 1 && isUpper(name[0]) && isUpper(name[1]) && strings.ContainsRune("fhlmnrsx", rune(lower[0])):
		return "an" // an SQLStore, an HTTPClient, an MQTTBroker
	}
	return "a"
}

func isUpper(b byte) bool { return 'A' <= b && b <= 'Z' }

// doc returns a // comment of one line per argument, then a new line.
func doc(lines ...string) *jen.Statement {
	s := jen.Null()
	for _, l := range lines {
		s = s.Comment(l).Line()
	}
	return s
}

// lines puts each composite literal element on a line of its own.
func lines(elems []jen.Code) []jen.Code {
	out := make([]jen.Code, 0, len(elems)+1)
	for _, e := range elems {
		out = append(out, jen.Line().Add(e))
	}
	return append(out, jen.Line())
}

// wrapHelper emits the method wrapping a repository that a method of the
// interface returns:
//
//	// wrap returns a CachedBookRepository over next with r's cache, ...
//	func (r *CachedBookRepository) wrap(next BookRepository, tx bool) *CachedBookRepository {
//		if !tx {
//			w := *r
//			w.next = next
//			return &w
//		}
//		return &CachedBookRepository{
//			next:    next,
//			getBook: r.getBook.InTx(),
//		}
//	}
func (e *emitter) wrapHelper() jen.Code {
	names := newNamer(e.reserved)
	r, next, tx, w := names.name("r"), names.name("next"), names.name("tx"), names.name("w")
	values := []jen.Code{jen.Id(e.next).Op(":").Id(next)}
	for _, m := range e.iface.Methods {
		if f, ok := e.fields[m.Name]; ok {
			values = append(values, jen.Id(f).Op(":").Id(r).Dot(f).Dot("InTx").Call())
		}
	}
	return doc(e.wrap+" returns "+article(e.wrapper)+" "+e.wrapper+" over "+next+" with the cache of "+r+"; scoped to a",
		"database transaction when "+tx+" is set (see cache.Method.InTx).").
		Func().Params(jen.Id(r).Op("*").Id(e.wrapper)).Id(e.wrap).
		Params(jen.Id(next).Qual(e.file.PkgPath, e.iface.Name), jen.Id(tx).Bool()).Op("*").Id(e.wrapper).
		Block(
			jen.If(jen.Op("!").Id(tx)).Block(
				jen.Id(w).Op(":=").Op("*").Id(r),
				jen.Id(w).Dot(e.next).Op("=").Id(next),
				jen.Return(jen.Op("&").Id(w)),
			),
			jen.Return(jen.Op("&").Id(e.wrapper).Values(lines(values)...)),
		)
}

func ctorOf(iface string) string {
	_, c := generator.WrapperNames(iface)
	return c
}

// errorRef emits a notfound= error: the variable, or for an error type
// cache.ErrorAs[*NotFoundError](), matched with errors.As.
func errorRef(v *generator.ErrorVar) jen.Code {
	if !v.Type {
		return jen.Qual(v.PkgPath, v.Name)
	}
	t := jen.Qual(v.PkgPath, v.Name)
	if v.Pointer {
		t = jen.Op("*").Add(t)
	}
	return jen.Qual(cachePkg, "ErrorAs").Types(t).Call()
}
