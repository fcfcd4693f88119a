package generator

import (
	"cmp"
	"fmt"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// nameFiles picks, for every interface the package wraps, whether this run
// writes it or not, its file and the names of its package-level helper
// types, unique across the package's generated files and beside the
// package's own names (a.taken, which planCopies adds the copy functions
// to). Interfaces are named in the order of their names, so --type does not
// change what any of them gets.
func (a *analyzer) nameFiles() {
	scope := a.pkg.Types.Scope()
	taken := map[string]bool{}
	a.taken = taken
	for _, n := range scope.Names() {
		taken[n] = true
	}
	var decls []*ifaceDecl
	for _, d := range a.decls {
		if d.spec.TypeParams == nil {
			decls = append(decls, d)
			w, ctor := WrapperNames(d.spec.Name.Name)
			taken[w], taken[ctor] = true, true
		}
	}
	slices.SortFunc(decls, func(x, y *ifaceDecl) int { return cmp.Compare(x.spec.Name.Name, y.spec.Name.Name) })
	files := map[string]bool{}
	for _, d := range decls {
		name := d.spec.Name.Name
		base := strings.ToLower(name)
		file := base + "_cache.go"
		for i := 2; files[file]; i++ {
			file = fmt.Sprintf("%s%d_cache.go", base, i)
		}
		files[file] = true
		d.path = filepath.Join(filepath.Dir(d.file), file)

		it := interfaceType(scope.Lookup(name))
		if it == nil || d.typ == nil {
			continue
		}
		for _, fn := range methodOrder(d, it) {
			if values(fn) < 2 {
				continue
			}
			want := lowerFirst(name) + upperFirst(fn.Name()) + "Result"
			got := want
			for i := 2; taken[got]; i++ {
				got = fmt.Sprintf("%s%d", want, i)
			}
			taken[got] = true
			d.results[fn.Name()] = got
		}
	}
}

// interfaceType returns the interface obj names, or nil.
func interfaceType(obj types.Object) *types.Interface {
	tn, ok := obj.(*types.TypeName)
	if !ok {
		return nil
	}
	it, _ := tn.Type().Underlying().(*types.Interface)
	return it
}

// values returns how many results fn returns besides a final error.
func values(fn *types.Func) int {
	res := fn.Type().(*types.Signature).Results()
	if res.Len() > 0 && isError(res.At(res.Len()-1).Type()) {
		return res.Len() - 1
	}
	return res.Len()
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToLower(r)) + s[n:]
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
