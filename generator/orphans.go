package generator

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
)

// generatedFile is a file cachegen generated earlier, found among the
// package's files that the cachegen build tag excludes.
type generatedFile struct {
	path  string
	iface string // the interface it wraps; "" when it cannot be told
}

// isGenerated reports whether src is a file cachegen generated.
func isGenerated(src []byte) bool { return bytes.HasPrefix(src, []byte(Header)) }

// wrappedInterface returns the interface a generated file wraps, from its
// assertion var _ BookRepository = (*CachedBookRepository)(nil).
func wrappedInterface(path string, src []byte) string {
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.SkipObjectResolution)
	if err != nil {
		return ""
	}
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.VAR {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			id, ok := vs.Type.(*ast.Ident)
			if !ok || len(vs.Names) != 1 || vs.Names[0].Name != "_" || len(vs.Values) != 1 {
				continue
			}
			if call, ok := vs.Values[0].(*ast.CallExpr); ok {
				if p, ok := call.Fun.(*ast.ParenExpr); ok {
					if star, ok := p.X.(*ast.StarExpr); ok {
						if w, ok := star.X.(*ast.Ident); ok && w.Name == wrapperName(id.Name) {
							return id.Name
						}
					}
				}
			}
		}
	}
	return ""
}

// orphans returns the package's generated files whose interface is no
// longer wrapped, or whose wrapper files (this run's files) now holds
// elsewhere. Files whose interface cannot be told are left alone.
func (a *analyzer) orphans(files []*File) []string {
	if !a.complete {
		return nil
	}
	wrapped := map[string]bool{}
	for _, d := range a.decls {
		if d.spec.TypeParams == nil {
			wrapped[d.spec.Name.Name] = true
		}
	}
	written := map[string]string{}
	for _, f := range files {
		if f.PkgPath == a.pkg.PkgPath {
			written[f.Interface.Name] = f.Path
		}
	}
	var out []string
	for _, g := range a.gen {
		if g.iface == "" || strings.HasSuffix(g.path, "_test.go") {
			continue
		}
		if p, ok := written[g.iface]; !wrapped[g.iface] || ok && !sameFile(p, g.path) {
			out = append(out, g.path)
		}
	}
	return out
}

func wrapperName(iface string) string {
	w, _ := WrapperNames(iface)
	return w
}

// unannotated adds to out the package's generated files whose interface
// is still declared but is no longer wrapped: it lost its annotations
// (as sqlc's Querier does when annotations written in querier.go are
// regenerated away).
func (a *analyzer) unannotated(out map[string]string) {
	if !a.complete || a.pkg.Types == nil {
		return
	}
	wrapped := map[string]bool{}
	for _, d := range a.decls {
		wrapped[d.spec.Name.Name] = true
	}
	for _, g := range a.gen {
		if g.iface == "" || wrapped[g.iface] {
			continue
		}
		if tn, ok := a.pkg.Types.Scope().Lookup(g.iface).(*types.TypeName); ok && types.IsInterface(tn.Type()) {
			out[g.path] = g.iface
		}
	}
}
