package generator

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

// Config says what to generate.
type Config struct {
	Dir      string   // directory patterns are resolved in; "" is the current one
	Patterns []string // package patterns; none means "."
	Types    []string // interfaces to wrap; none means every annotated one
	Output   string   // output file; only with exactly one interface
}

// Load loads the packages of cfg, reads their //cache: annotations and
// returns one File per interface to wrap, in a stable order. When the input
// has problems it returns every one of them, sorted, as a [Diagnostics] error.
func Load(cfg Config) ([]*File, error) {
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := load(cfg.Dir, patterns)
	if err != nil {
		return nil, err
	}
	var files []*File
	var diags Diagnostics
	wanted := map[string]bool{}
	for _, t := range cfg.Types {
		wanted[t] = false
	}
	for _, pkg := range pkgs {
		a := &analyzer{r: &reporter{fset: pkg.Fset}, pkg: pkg, wanted: wanted}
		files = append(files, a.run()...)
		diags = append(diags, a.r.diags...)
	}
	for _, t := range slices.Sorted(maps.Keys(wanted)) {
		if !wanted[t] {
			diags = append(diags, Diagnostic{Message: fmt.Sprintf("--type %s: no interface named %s with //cache: annotations in %s", t, t, strings.Join(patterns, " "))})
		}
	}
	if len(diags) > 0 {
		return nil, diags.sort()
	}
	if cfg.Output != "" {
		if len(files) != 1 {
			return nil, fmt.Errorf("cache: --output needs exactly one interface, found %d; name it with --type", len(files))
		}
		out := cfg.Output
		if !filepath.IsAbs(out) {
			out = filepath.Join(absDir(cfg.Dir), out)
		}
		files[0].Path = out
	}
	return files, nil
}

func absDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	return abs
}

// analyzer reads one package.
type analyzer struct {
	r      *reporter
	pkg    *packages.Package
	wanted map[string]bool // --type names; found ones set true

	cached map[string]bool // namespaces some read method caches
	writes []listItem      // namespaces written by an invalidate annotation
}

// ifaceDecl is an interface declaration with annotations.
type ifaceDecl struct {
	spec    *ast.TypeSpec
	typ     *ast.InterfaceType
	file    string
	methods map[string]*ast.Field     // declared methods by name
	annots  map[string][]*ast.Comment // their //cache: lines
}

func (a *analyzer) run() []*File {
	a.cached = map[string]bool{}
	var decls []*ifaceDecl
	for _, f := range a.pkg.Syntax {
		decls = append(decls, a.scanFile(f)...)
	}
	if len(decls) == 0 {
		if len(a.pkg.Syntax) == 0 {
			a.r.diags = append(a.r.diags, loadErrors(a.pkg, nil)...)
		}
		return nil
	}
	if !a.checkLoad(decls) {
		return nil
	}
	var files []*File
	for _, d := range decls {
		if len(a.wanted) > 0 {
			if _, ok := a.wanted[d.spec.Name.Name]; !ok {
				continue
			}
			a.wanted[d.spec.Name.Name] = true
		}
		if iface := a.iface(d); iface != nil {
			files = append(files, &File{
				Path:      filepath.Join(filepath.Dir(d.file), strings.ToLower(iface.Name)+"_cache.go"),
				PkgPath:   a.pkg.PkgPath,
				PkgName:   a.pkg.Name,
				Interface: iface,
				Names:     a.pkg.Types.Scope().Names(),
			})
		}
	}
	for _, w := range a.writes {
		if !a.cached[w.text] {
			msg := fmt.Sprintf("namespace %q is invalidated here but no method in package %s caches it", w.text, a.pkg.Name)
			if s := closest(w.text, slices.Sorted(maps.Keys(a.cached))); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			a.r.errorf(w.pos, "%s", msg)
		}
	}
	if len(a.r.diags) > 0 {
		return nil
	}
	return files
}

// closest returns the candidate nearest to s within two edits.
func closest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(s, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// scanFile finds the package-level interfaces with //cache: lines and
// reports every //cache: line that is anywhere else.
func (a *analyzer) scanFile(f *ast.File) []*ifaceDecl {
	used := map[*ast.Comment]bool{}
	var decls []*ifaceDecl
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, spec := range gd.Specs {
			ts := spec.(*ast.TypeSpec)
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				continue
			}
			d := &ifaceDecl{spec: ts, typ: it, file: a.pkg.Fset.Position(f.Pos()).Filename,
				methods: map[string]*ast.Field{}, annots: map[string][]*ast.Comment{}}
			for _, m := range it.Methods.List {
				if len(m.Names) == 0 || m.Doc == nil {
					continue
				}
				for _, c := range m.Doc.List {
					if isAnnotation(c) {
						used[c] = true
						d.annots[m.Names[0].Name] = append(d.annots[m.Names[0].Name], c)
					}
				}
			}
			if len(d.annots) > 0 {
				for _, m := range it.Methods.List {
					if len(m.Names) > 0 {
						d.methods[m.Names[0].Name] = m
					}
				}
				decls = append(decls, d)
			}
		}
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			checkSpaced(a.r, c)
			if isAnnotation(c) && !used[c] {
				a.r.errorf(c.Slash, "//cache: annotation is not on a method of a package-level interface: put it in the doc comment directly above the method, in the interface declaration")
			}
		}
	}
	return decls
}

// checkLoad reports the package's load errors that touch the annotated
// interfaces. Errors elsewhere (such as code using generated names that the
// cachegen build tag hides) do not stop generation.
func (a *analyzer) checkLoad(decls []*ifaceDecl) bool {
	if len(a.pkg.Errors) == 0 {
		return true
	}
	type span struct {
		file       string
		start, end int
	}
	var spans []span
	for _, d := range decls {
		spans = append(spans, span{d.file, a.pkg.Fset.Position(d.spec.Pos()).Line, a.pkg.Fset.Position(d.spec.End()).Line})
	}
	ds := loadErrors(a.pkg, func(p token.Position) bool {
		for _, s := range spans {
			if sameFile(p.Filename, s.file) && p.Line >= s.start && p.Line <= s.end {
				return true
			}
		}
		return p.Filename == "" && a.pkg.Types == nil
	})
	a.r.diags = append(a.r.diags, ds...)
	return len(ds) == 0 && a.pkg.Types != nil
}

func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

// iface builds the model of one annotated interface.
func (a *analyzer) iface(d *ifaceDecl) *Interface {
	name := d.spec.Name.Name
	obj, ok := a.pkg.Types.Scope().Lookup(name).(*types.TypeName)
	if !ok {
		a.r.errorf(d.spec.Pos(), "interface %s did not type-check", name)
		return nil
	}
	named, ok := obj.Type().(*types.Named)
	if !ok {
		a.r.errorf(d.spec.Pos(), "%s is an alias; annotate the interface it names", name)
		return nil
	}
	if named.TypeParams().Len() > 0 {
		a.r.errorf(d.spec.Name.Pos(), "generic interface %s is not supported: declare a non-generic interface, such as type %sOfBook interface{ %s[Book] }", name, name, name)
		return nil
	}
	for _, gen := range []string{"Cached" + name, "NewCached" + name} {
		if obj := a.pkg.Types.Scope().Lookup(gen); obj != nil {
			at := a.pkg.Fset.Position(obj.Pos())
			a.r.errorf(d.spec.Name.Pos(), "cachegen generates %s for %s, but %s:%d already declares it: rename one of them", gen, name, filepath.Base(at.Filename), at.Line)
			return nil
		}
	}
	it := named.Underlying().(*types.Interface)
	iface := &Interface{Name: name}
	var reads []*Method
	var writes []*Method
	var writeAnnots []*annotation
	seen := map[string]bool{}
	ordered := a.methodOrder(d, it)
	for _, fn := range ordered {
		seen[fn.Name()] = true
		m, an := a.method(d, fn)
		if m == nil {
			continue
		}
		iface.Methods = append(iface.Methods, m)
		switch m.Kind {
		case Read:
			reads = append(reads, m)
		case Write:
			writes = append(writes, m)
			writeAnnots = append(writeAnnots, an)
		}
	}
	// A write without namespace= invalidates every namespace cached here.
	var all []string
	for _, m := range reads {
		for _, ns := range m.Namespaces {
			if !slices.Contains(all, ns) {
				all = append(all, ns)
			}
		}
	}
	for i, m := range writes {
		if writeAnnots[i].hasNS {
			continue
		}
		if len(all) == 0 {
			a.r.errorf(writeAnnots[i].pos, "//cache:invalidate without namespace= invalidates the namespaces cached by %s, but it caches none: name them, as //cache:invalidate namespace=books", name)
			continue
		}
		m.Namespaces = all
	}
	return iface
}

// methodOrder returns the interface's methods: declared ones in source
// order, then those of embedded interfaces by name.
func (a *analyzer) methodOrder(d *ifaceDecl, it *types.Interface) []*types.Func {
	byName := map[string]*types.Func{}
	for i := range it.NumMethods() {
		byName[it.Method(i).Name()] = it.Method(i)
	}
	var out []*types.Func
	for _, f := range d.typ.Methods.List {
		if len(f.Names) > 0 {
			if fn := byName[f.Names[0].Name]; fn != nil {
				out = append(out, fn)
				delete(byName, f.Names[0].Name)
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(byName)) {
		out = append(out, byName[n])
	}
	return out
}

// method builds the model of one method, reporting its problems; it
// returns nil when the method has any.
func (a *analyzer) method(d *ifaceDecl, fn *types.Func) (*Method, *annotation) {
	sig := fn.Type().(*types.Signature)
	m := &Method{Name: fn.Name(), CtxParam: -1, Variadic: sig.Variadic()}
	field := d.methods[fn.Name()]
	var paramPos, resultPos []token.Pos
	if field != nil {
		if ft, ok := field.Type.(*ast.FuncType); ok {
			paramPos = fieldPositions(ft.Params)
			resultPos = fieldPositions(ft.Results)
		}
	}
	posOf := func(ps []token.Pos, i int) token.Pos {
		if i < len(ps) {
			return ps[i]
		}
		if field != nil {
			return field.Pos()
		}
		return token.NoPos
	}
	for i := range sig.Params().Len() {
		p := sig.Params().At(i)
		m.Params = append(m.Params, &Param{Name: p.Name(), Type: p.Type()})
		if i == 0 && isContext(p.Type()) {
			m.CtxParam = 0
		}
	}
	for i := range sig.Results().Len() {
		m.Results = append(m.Results, sig.Results().At(i).Type())
	}
	m.HasError = len(m.Results) > 0 && isError(m.Results[len(m.Results)-1])

	lines := d.annots[fn.Name()]
	if len(lines) == 0 {
		return m, nil
	}
	ok := true
	for _, extra := range lines[1:] {
		a.r.errorf(extra.Slash, "method %s has more than one //cache: line: put every option on one line", fn.Name())
		ok = false
	}
	an := parseAnnotation(a.r, lines[0])
	if an == nil || !ok {
		return nil, nil
	}
	if an.invalidate {
		m.Kind = Write
		m.Namespaces = an.namespaces
		for i, ns := range an.namespaces {
			a.writes = append(a.writes, listItem{ns, an.nsPos[i]})
		}
		return m, an
	}

	m.Kind, m.TTL, m.Namespaces = Read, an.expire, an.namespaces
	for _, ns := range an.namespaces {
		a.cached[ns] = true
	}
	values := len(m.Results)
	if m.HasError {
		values--
	}
	if values < 1 {
		a.r.errorf(field.Pos(), "cached method %s returns no value to cache: a cached method returns (T, error), (T1, T2, ..., error) or (T); use //cache:invalidate for a write", fn.Name())
		return nil, nil
	}
	for i := range values {
		for _, why := range exactProblems(m.Results[i], a.pkg.Types) {
			a.r.errorf(posOf(resultPos, i), "result %s of %s cannot be cached: %s", types.TypeString(m.Results[i], types.RelativeTo(a.pkg.Types)), fn.Name(), why)
			ok = false
		}
	}

	// Which parameters make the key: key= or every one but contexts.
	inKey := make([]bool, len(m.Params))
	if an.hasKey {
		for i, k := range an.keys {
			idx := slices.IndexFunc(m.Params, func(p *Param) bool { return p.Name == k })
			switch {
			case idx < 0:
				msg := fmt.Sprintf("key=%s: %s has no parameter %s", k, fn.Name(), k)
				var names []string
				for _, p := range m.Params {
					if p.Name != "" && p.Name != "_" && !isContext(p.Type) {
						names = append(names, p.Name)
					}
				}
				if s := closest(k, names); s != "" {
					msg += fmt.Sprintf("; did you mean %q?", s)
				} else if len(names) > 0 {
					msg += "; its parameters are " + strings.Join(names, ", ")
				}
				a.r.errorf(an.keyPos[i], "%s", msg)
				ok = false
			case isContext(m.Params[idx].Type):
				a.r.errorf(an.keyPos[i], "key=%s: a context.Context cannot be part of a key", k)
				ok = false
			case inKey[idx]:
				a.r.errorf(an.keyPos[i], "key=%s is listed twice", k)
				ok = false
			default:
				inKey[idx] = true
			}
		}
	} else {
		for i, p := range m.Params {
			inKey[i] = !isContext(p.Type)
		}
	}
	for i, p := range m.Params {
		if !inKey[i] {
			continue
		}
		enc, why := keyEncoding(p.Type, a.pkg.Types)
		if why != "" {
			name := p.Name
			if name == "" || name == "_" {
				name = fmt.Sprintf("#%d", i+1)
			}
			a.r.errorf(posOf(paramPos, i), "parameter %s of %s cannot be part of a cache key: %s; leave it out with key= listing the parameters that identify the result", name, fn.Name(), why)
			ok = false
			continue
		}
		p.Key = enc
	}
	if !ok {
		return nil, nil
	}
	return m, an
}

// fieldPositions returns the position of each parameter or result, one per
// name (or per type when unnamed).
func fieldPositions(fl *ast.FieldList) []token.Pos {
	if fl == nil {
		return nil
	}
	var out []token.Pos
	for _, f := range fl.List {
		if len(f.Names) == 0 {
			out = append(out, f.Type.Pos())
			continue
		}
		for _, n := range f.Names {
			out = append(out, n.Pos())
		}
	}
	return out
}

func isContext(t types.Type) bool { return isNamed(t, "context", "Context") }

func isError(t types.Type) bool {
	return types.Identical(t, types.Universe.Lookup("error").Type())
}

// isNamed reports whether t is the named type pkg.name.
func isNamed(t types.Type, pkg, name string) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == pkg && n.Obj().Name() == name
}
