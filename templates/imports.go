package templates

import (
	"go/types"
	"maps"
	"slices"
	"strconv"

	"github.com/cachegen/cachegen/generator"
	"github.com/dave/jennifer/jen"
)

// fixedImports are the packages every generated file may use, with their
// names.
var fixedImports = [][2]string{{cachePkg, "cache"}, {"context", "context"}, {"time", "time"}}

// importNames returns the name under which the generated file imports each
// package it may use: the package's own name, or, when that is a
// package-level name of the file's package (or a Go keyword or predeclared
// name), cachegen_<name>, then cachegen_<name>2 and so on.
func importNames(f *generator.File) map[string]importName {
	taken := map[string]bool{}
	for _, n := range f.Names {
		taken[n] = true
	}
	for _, n := range types.Universe.Names() {
		taken[n] = true
	}
	pkgs := map[string]string{}
	for _, m := range f.Interface.Methods {
		for _, p := range m.Params {
			collectPackages(p.Type, pkgs)
		}
		for _, r := range m.Results {
			collectPackages(r, pkgs)
		}
		for _, v := range m.NotFound {
			pkgs[v.PkgPath] = v.PkgName
		}
	}
	for _, c := range f.Interface.Copiers {
		collectPackages(c.Type, pkgs)
		if clonesMap(c) {
			pkgs["maps"] = "maps"
		}
	}
	delete(pkgs, f.PkgPath)
	order := slices.Clone(fixedImports)
	for _, fixed := range fixedImports {
		delete(pkgs, fixed[0])
	}
	for _, path := range slices.Sorted(maps.Keys(pkgs)) {
		order = append(order, [2]string{path, pkgs[path]})
	}
	names := map[string]importName{}
	for _, pn := range order {
		path, name := pn[0], pn[1]
		got := name
		if taken[got] || jen.IsReservedWord(got) {
			got = "cachegen_" + name
			for i := 2; taken[got]; i++ {
				got = "cachegen_" + name + strconv.Itoa(i)
			}
		}
		taken[got] = true
		names[path] = importName{name: got, alias: got != name}
	}
	return names
}

// importName is how the generated file imports a package.
type importName struct {
	name  string
	alias bool // name is not the package's own
}

// collectPackages adds the packages t names to pkgs, path to name.
func collectPackages(t types.Type, pkgs map[string]string) {
	seen := map[types.Type]bool{}
	var walk func(t types.Type)
	walkTuple := func(tu *types.Tuple) {
		for i := range tu.Len() {
			walk(tu.At(i).Type())
		}
	}
	walk = func(t types.Type) {
		if seen[t] {
			return
		}
		seen[t] = true
		switch t := t.(type) {
		case *types.Alias:
			addPackage(t.Obj(), pkgs)
			for i := range t.TypeArgs().Len() {
				walk(t.TypeArgs().At(i))
			}
		case *types.Named:
			addPackage(t.Obj(), pkgs)
			for i := range t.TypeArgs().Len() {
				walk(t.TypeArgs().At(i))
			}
		case *types.Pointer:
			walk(t.Elem())
		case *types.Slice:
			walk(t.Elem())
		case *types.Array:
			walk(t.Elem())
		case *types.Chan:
			walk(t.Elem())
		case *types.Map:
			walk(t.Key())
			walk(t.Elem())
		case *types.Signature:
			walkTuple(t.Params())
			walkTuple(t.Results())
		case *types.Struct:
			for i := range t.NumFields() {
				walk(t.Field(i).Type())
			}
		case *types.Interface:
			for i := range t.NumEmbeddeds() {
				walk(t.EmbeddedType(i))
			}
			for i := range t.NumExplicitMethods() {
				walk(t.ExplicitMethod(i).Type())
			}
		case *types.Union:
			for i := range t.Len() {
				walk(t.Term(i).Type())
			}
		}
	}
	walk(t)
}

func addPackage(obj *types.TypeName, pkgs map[string]string) {
	if obj.Pkg() != nil {
		pkgs[obj.Pkg().Path()] = obj.Pkg().Name()
	}
}
