package generator

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/types"
	"path/filepath"
	"strings"
)

// declOf returns the declaration of the interface method fn, which may
// belong to an interface of this package or of another one (embedded). Its
// field is nil when the declaration's source cannot be read.
func (a *analyzer) declOf(fn *types.Func) *methodField {
	fn = fn.Origin()
	if fn.Pkg() == a.pkg.Types {
		if mf := a.index[fn.Pos()]; mf != nil {
			return mf
		}
		return &methodField{}
	}
	pos := a.pkg.Fset.Position(fn.Pos())
	if !pos.IsValid() {
		return &methodField{}
	}
	ef := a.externalFile(pos.Filename)
	if mf := ef[lineName{pos.Line, fn.Name()}]; mf != nil {
		return mf
	}
	return &methodField{}
}

// externalFile is the interface methods declared in a file of another
// package, by line and name: positions read from export data have no
// column.
type externalFile map[lineName]*methodField

type lineName struct {
	line int
	name string
}

// externalFile parses a file of another package, once, for the
// annotations of its interfaces' methods.
func (a *analyzer) externalFile(name string) externalFile {
	if ef, ok := a.external[name]; ok {
		return ef
	}
	ef := externalFile{}
	a.external[name] = ef
	path := name
	if rest, ok := strings.CutPrefix(path, "$GOROOT"); ok {
		path = filepath.Join(build.Default.GOROOT, rest)
	}
	f, err := parser.ParseFile(a.pkg.Fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		return ef
	}
	ast.Inspect(f, func(n ast.Node) bool {
		it, ok := n.(*ast.InterfaceType)
		if !ok {
			return true
		}
		for _, m := range it.Methods.List {
			if len(m.Names) > 0 {
				line := a.pkg.Fset.Position(m.Names[0].Pos()).Line
				ef[lineName{line, m.Names[0].Name}] = &methodField{field: m, annots: annotations(m), file: f}
			}
		}
		return true
	})
	return ef
}
