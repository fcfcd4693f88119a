package templates

import (
	"bytes"
	"fmt"
	"go/format"
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
	reserved []string          // file-level names generated code must not shadow
	fields   map[string]string // method name -> descriptor field
	results  map[string]string // method name -> result struct type, for several values
	wrapper  string            // Cached<Iface>
}

// Render returns the gofmt'd source of the wrappers of f.
func Render(f *generator.File) ([]byte, error) {
	e := &emitter{
		file:    f,
		iface:   f.Interface,
		types:   &typeEmitter{imports: map[string]string{}},
		fields:  map[string]string{},
		results: map[string]string{},
		wrapper: "Cached" + f.Interface.Name,
	}
	e.reserved = append(append([]string(nil), f.Names...), "cache", "context", "time", "slices", "maps")
	e.nameHelpers()

	jf := jen.NewFilePathName(f.PkgPath, f.PkgName)
	jf.ImportName(cachePkg, "cache")
	for _, c := range e.file_() {
		jf.Add(c)
	}
	for path, name := range e.types.imports {
		jf.ImportName(path, name)
	}
	var buf bytes.Buffer
	buf.WriteString(generator.Header + "\n\n//go:build !" + generator.BuildTag + "\n\n")
	if err := jf.Render(&buf); err != nil {
		return nil, fmt.Errorf("cache: rendering %s: %w", f.Path, err)
	}
	src, err := imports.Process(f.Path, buf.Bytes(), &imports.Options{FormatOnly: true, Comments: true, TabIndent: true, TabWidth: 8})
	if err != nil {
		return nil, fmt.Errorf("cache: formatting %s: %w", f.Path, err)
	}
	return format.Source(src)
}

// nameHelpers picks the names of the descriptor fields and result types.
func (e *emitter) nameHelpers() {
	var methods []string
	for _, m := range e.iface.Methods {
		methods = append(methods, m.Name)
	}
	fields := newNamer(methods, []string{"next"})
	types := newNamer(e.reserved)
	for _, m := range e.iface.Methods {
		if m.Kind == generator.PassThrough {
			continue
		}
		e.fields[m.Name] = fields.name(lowerFirst(m.Name))
		if m.Kind == generator.Read && m.Values() > 1 {
			e.results[m.Name] = types.name(lowerFirst(e.iface.Name) + upperFirst(m.Name) + "Result")
		}
	}
}

// file_ returns the file's declarations in order.
func (e *emitter) file_() []jen.Code {
	out := []jen.Code{e.wrapperType(), e.constructor(), e.assertion()}
	for _, m := range e.iface.Methods {
		if name, ok := e.results[m.Name]; ok {
			out = append(out, e.resultType(m, name))
		}
		out = append(out, e.method(m))
	}
	return out
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// namespaceList returns "books, authors".
func namespaceList(ns []string) string { return strings.Join(ns, ", ") }
