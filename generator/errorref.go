package generator

import (
	"fmt"
	"go/ast"
	"go/types"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// nameScope is where the names of an annotation resolve: the package whose
// source holds the annotation, and the imports of the file it is in. An
// interface embedding another package's annotated interface gets its
// annotations with the meaning they have there: notfound=ErrNotFound on a
// method of package users names users.ErrNotFound.
type nameScope struct {
	pkg  *types.Package
	file *ast.File // nil when unknown
}

// scopeOf returns the scope of the annotations of md, the declaration of
// the method fn.
func (a *analyzer) scopeOf(md *methodField, fn *types.Func) nameScope {
	pkg := fn.Origin().Pkg()
	if pkg == nil {
		pkg = a.pkg.Types
	}
	return nameScope{pkg: pkg, file: md.file}
}

// imports returns the packages the scope's file imports, by the names it
// gives them, and its dot imports.
func (a *analyzer) imports(s nameScope) (named map[string]*types.Package, dot []*types.Package) {
	named = map[string]*types.Package{}
	if s.file == nil {
		return named, nil
	}
	for _, spec := range s.file.Imports {
		var imp *types.Package
		var name string
		if s.pkg == a.pkg.Types {
			pn := a.pkg.TypesInfo.PkgNameOf(spec)
			if pn == nil {
				continue
			}
			imp, name = pn.Imported(), pn.Name()
		} else {
			path, err := strconv.Unquote(spec.Path.Value)
			if imp = a.findPackage(s.pkg, path); err != nil || imp == nil {
				continue
			}
			name = imp.Name()
			if spec.Name != nil {
				name = spec.Name.Name
			}
		}
		switch name {
		case ".":
			dot = append(dot, imp)
		case "_":
		default:
			named[name] = imp
		}
	}
	return named, dot
}

// findPackage returns the package of import path path that from imports:
// among the packages whose types the load brought, else loaded for it.
func (a *analyzer) findPackage(from *types.Package, path string) *types.Package {
	seen := map[*types.Package]bool{}
	queue := []*types.Package{from, a.pkg.Types}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == nil || seen[p] {
			continue
		}
		seen[p] = true
		if p.Path() == path {
			return p
		}
		queue = append(queue, p.Imports()...)
	}
	if p, ok := a.loaded[path]; ok {
		return p
	}
	var found *types.Package
	pkgs, err := packages.Load(&packages.Config{Mode: packages.NeedName | packages.NeedTypes, Dir: a.pkgDir()}, path)
	if err == nil && len(pkgs) == 1 && len(pkgs[0].Errors) == 0 {
		found = pkgs[0].Types
	}
	a.loaded[path] = found
	return found
}

// notFound resolves notfound=: error variables and error types, named as
// the file holding the annotation names them (ErrNotFound, sql.ErrNoRows,
// *NotFoundError; a dot import's names unqualified).
func (a *analyzer) notFound(m *Method, an *annotation, names nameScope) bool {
	if len(an.notFound) == 0 {
		return true
	}
	if !m.HasError {
		a.r.errorf(an.notFound[0].pos, "notfound= needs a method that returns an error, which it compares with errors.Is")
		return false
	}
	ok := true
	for _, item := range an.notFound {
		v := a.errorRef(item, names)
		if v == nil {
			ok = false
			continue
		}
		m.NotFound = append(m.NotFound, v)
	}
	m.NotFoundTTL = an.nfExpire
	return ok
}

// errorRef resolves one name of notfound= in scope s, reporting why it is
// neither a package-level error variable nor an error type.
func (a *analyzer) errorRef(item listItem, s nameScope) *ErrorVar {
	text, ptr := strings.CutPrefix(item.text, "*")
	pkgName, name, qualified := strings.Cut(text, ".")
	named, dots := a.imports(s)
	var scopes []*types.Scope
	if qualified {
		imp := named[pkgName]
		if imp == nil {
			a.r.errorf(item.pos, "notfound=%s: the file does not import a package named %s", item.text, pkgName)
			return nil
		}
		scopes = []*types.Scope{imp.Scope()}
	} else {
		name = text
		scopes = []*types.Scope{s.pkg.Scope()}
		for _, d := range dots {
			scopes = append(scopes, d.Scope())
		}
	}
	var obj types.Object
	for i, sc := range scopes {
		if o := sc.Lookup(name); o != nil && (i == 0 || o.Exported()) {
			obj = o
			break
		}
	}
	errIface := errorType.Underlying().(*types.Interface)
	if obj == nil {
		msg := fmt.Sprintf("notfound=%s: no package-level %s", item.text, name)
		var names []string
		for _, sc := range scopes {
			for _, n := range sc.Names() {
				if v, ok := sc.Lookup(n).(*types.Var); ok && types.Implements(v.Type(), errIface) && (!qualified && sc == s.pkg.Scope() && s.pkg == a.pkg.Types || v.Exported()) {
					names = append(names, n)
				}
			}
		}
		if s := closest(name, names); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		a.r.errorf(item.pos, "%s", msg)
		return nil
	}
	if !obj.Exported() && obj.Pkg() != a.pkg.Types {
		if qualified {
			a.r.errorf(item.pos, "notfound=%s: %s is not exported", item.text, name)
		} else {
			a.r.errorf(item.pos, "notfound=%s: %s is unexported in package %s, which holds the annotation, so the wrapper in package %s cannot name it: export it", item.text, name, obj.Pkg().Name(), a.pkg.Name)
		}
		return nil
	}
	ref := &ErrorVar{PkgPath: obj.Pkg().Path(), PkgName: obj.Pkg().Name(), Name: name}
	switch obj := obj.(type) {
	case *types.Var:
		if ptr {
			a.r.errorf(item.pos, "notfound=%s: %s is a variable: write notfound=%s", item.text, name, strings.TrimPrefix(item.text, "*"))
			return nil
		}
		if !types.Implements(obj.Type(), errIface) {
			a.r.errorf(item.pos, "notfound=%s: %s has type %s, which is not an error", item.text, name, a.typeName(obj.Type()))
			return nil
		}
		return ref
	case *types.TypeName:
		t := obj.Type()
		if n, ok := t.(*types.Named); ok && n.TypeParams().Len() > 0 {
			a.r.errorf(item.pos, "notfound=%s: %s is generic; notfound= names an error type without type parameters", item.text, name)
			return nil
		}
		if types.IsInterface(t) {
			a.r.errorf(item.pos, "notfound=%s: %s is an interface; notfound= names error variables or concrete error types", item.text, name)
			return nil
		}
		if ptr {
			t = types.NewPointer(t)
		}
		if !types.Implements(t, errIface) {
			if !ptr && types.Implements(types.NewPointer(t), errIface) {
				a.r.errorf(item.pos, "notfound=%s: %s is not an error, *%s is (its Error method has a pointer receiver): write notfound=*%s", item.text, name, name, text)
			} else {
				a.r.errorf(item.pos, "notfound=%s: type %s is not an error", item.text, a.typeName(t))
			}
			return nil
		}
		ref.Type, ref.Pointer = true, ptr
		return ref
	}
	a.r.errorf(item.pos, "notfound=%s: %s is not a variable; notfound= names error variables such as var ErrNotFound = errors.New(\"not found\")", item.text, name)
	return nil
}
