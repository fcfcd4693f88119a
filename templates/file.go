package templates

import (
	"bytes"
	"fmt"
	"go/build/constraint"
	"go/format"
	"go/types"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
	"golang.org/x/tools/imports"
)

// emitter holds what the functions emitting one file share.
type emitter struct {
	file     *generator.File
	iface    *generator.Interface
	types    *typeEmitter
	imports  map[string]importName // by package path
	reserved []string              // file-level names generated code must not shadow
	next     string                // the wrapper's field holding the wrapped value
	fields   map[string]string     // method name -> descriptor field
	wrapper  string                // Cached<Iface>
	wrap     string                // the wrapper's method wrapping a repository a method returns; "" when none does
}

// Render returns the gofmt'd source of the wrappers of f.
func Render(f *generator.File) ([]byte, error) {
	e := &emitter{
		file:    f,
		iface:   f.Interface,
		types:   &typeEmitter{seen: map[string]bool{}},
		imports: importNames(f),
		fields:  map[string]string{},
		wrapper: wrapperOf(f.Interface.Name),
	}
	e.reserved = append(slices.Clone(f.Names), types.Universe.Names()...)
	for _, in := range e.imports {
		e.reserved = append(e.reserved, in.name)
	}
	e.nameFields()

	jf := jen.NewFilePathName(f.PkgPath, f.PkgName)
	for _, c := range e.file_() {
		jf.Add(c)
	}
	for path := range e.types.seen {
		if _, ok := e.imports[path]; !ok && path != f.PkgPath {
			return nil, fmt.Errorf("rendering %s: package %s was not given an import name", f.Path, path)
		}
	}
	for path, in := range e.imports {
		if in.alias {
			jf.ImportAlias(path, in.name)
		} else {
			jf.ImportName(path, in.name)
		}
	}
	var buf bytes.Buffer
	line, err := buildLine(f)
	if err != nil {
		return nil, err
	}
	buf.WriteString(generator.Header + "\n\n" + line + "\n\n")
	if err := jf.Render(&buf); err != nil {
		return nil, fmt.Errorf("rendering %s: %w", f.Path, err)
	}
	src, err := imports.Process(f.Path, buf.Bytes(), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return nil, fmt.Errorf("formatting %s: %w", f.Path, err)
	}
	return format.Source(src)
}

// nameFields picks the names of the wrapper's fields: the wrapped value's
// and one descriptor per annotated method, none equal to a method's name.
func (e *emitter) nameFields() {
	var methods []string
	for _, m := range e.iface.Methods {
		methods = append(methods, m.Name)
	}
	fields := newNamer(methods)
	e.next = fields.name("next")
	for _, m := range e.iface.Methods {
		if m.Kind == generator.Read || m.Kind == generator.Write || m.Kind == generator.Batch {
			e.fields[m.Name] = fields.name(lowerFirst(m.Name))
		}
	}
	for _, m := range e.iface.Methods {
		if m.Kind == generator.Rewrap || m.Kind == generator.TxScoped {
			e.wrap = fields.name("wrap")
			break
		}
	}
}

// file_ returns the file's declarations in order.
func (e *emitter) file_() []jen.Code {
	out := []jen.Code{e.wrapperType(), e.constructor(), e.assertion()}
	if e.wrap != "" {
		out = append(out, e.wrapHelper())
	}
	for _, m := range e.iface.Methods {
		if packed(m) {
			out = append(out, e.resultType(m))
		}
		out = append(out, e.method(m))
	}
	for _, c := range e.iface.Copiers {
		out = append(out, e.copyFunc(c))
	}
	return out
}

// packed reports whether m is a read whose values the cache holds in a
// struct of their own.
func packed(m *generator.Method) bool { return m.Kind == generator.Read && m.ResultType != "" }

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

// namespaceList returns "books, authors".
func namespaceList(ns []string) string { return strings.Join(ns, ", ") }

func wrapperOf(iface string) string {
	w, _ := generator.WrapperNames(iface)
	return w
}

// buildLine returns the file's //go:build line: !cachegen (see
// [generator.BuildTag]), and the constraint of the interface's file.
func buildLine(f *generator.File) (string, error) {
	var expr constraint.Expr = &constraint.NotExpr{X: &constraint.TagExpr{Tag: generator.BuildTag}}
	if f.Constraint != "" {
		x, err := constraint.Parse("//go:build " + f.Constraint)
		if err != nil {
			return "", fmt.Errorf("rendering %s: build constraint %q: %w", f.Path, f.Constraint, err)
		}
		expr = &constraint.AndExpr{X: expr, Y: x}
	}
	return "//go:build " + expr.String(), nil
}
