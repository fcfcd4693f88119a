package generator

import (
	"fmt"
	"go/ast"
	"go/build/constraint"
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
	Output   string   // output file, relative to the package's directory; only with exactly one interface
}

// Result is what one run generates.
type Result struct {
	Files []*File // one per interface to wrap, in a stable order
	// Orphans are files cachegen generated for interfaces that are gone (or
	// whose wrapper this run writes to another file): a run removes them,
	// --check reports them.
	Orphans []string
	// Explained is what cachegen inferred from the sqlc queries of the
	// interfaces it wraps, per method, in the order they were analysed.
	Explained []Explanation
	// Unannotated names, of the Orphans, those whose interface is still
	// declared but has lost every annotation: path -> interface.
	Unannotated map[string]string
	// Warnings are the problems that do not stop generation, sorted; Load
	// returns them among the errors when there are any.
	Warnings Diagnostics
}

// Load loads the packages of cfg, reads their //cache: annotations and
// returns the files to write. When the input has problems it returns every
// one of them, sorted, as a [Diagnostics] error; a [UsageError] when cfg
// asks for something impossible.
//
// Verdicts do not depend on cfg.Types: every interface of the packages is
// analysed, names are handed out over all of them, and the types select
// which files are written and whose problems are reported.
func Load(cfg Config) (*Result, error) {
	patterns := cfg.Patterns
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	pkgs, err := load(cfg.Dir, patterns)
	if err != nil {
		return nil, err
	}
	wanted := map[string]bool{}
	for _, t := range cfg.Types {
		wanted[t] = false
	}
	var runs []*analyzer
	for _, pkg := range pkgs {
		a := newAnalyzer(pkg, wanted)
		a.run()
		runs = append(runs, a)
	}
	cached := map[string]bool{}
	for _, a := range runs {
		maps.Copy(cached, a.cached)
	}
	checkFamilies(runs, cfg.Dir)
	var diags Diagnostics
	var files []*File
	module := moduleNamespaces{}
	for _, a := range runs {
		a.checkWrites(cached, module)
		diags = append(diags, a.diagnostics()...)
		files = append(files, a.files()...)
	}
	for _, t := range slices.Sorted(maps.Keys(wanted)) {
		if !wanted[t] {
			diags = append(diags, Diagnostic{Message: fmt.Sprintf("--type %s: no interface named %s with //cache: annotations in %s", t, t, strings.Join(patterns, " "))})
		}
	}
	if diags.errors() > 0 {
		return nil, diags.sort()
	}
	if cfg.Output != "" {
		if len(files) != 1 {
			return nil, UsageError(fmt.Sprintf("--output names one file, but %d interfaces are to be wrapped: choose one with --type", len(files)))
		}
		out := cfg.Output
		if !filepath.IsAbs(out) {
			out = filepath.Join(filepath.Dir(files[0].Path), out)
		}
		files[0].Path = filepath.Clean(out)
	}
	res := &Result{Files: files, Unannotated: map[string]string{}, Warnings: diags.sort()}
	for _, a := range runs {
		res.Orphans = append(res.Orphans, a.orphans(files)...)
		a.unannotated(res.Unannotated)
		res.Explained = append(res.Explained, a.selectedExplanations()...)
	}
	return res, nil
}

// analyzer reads one package.
type analyzer struct {
	r      *reporter // package-wide problems; each interface has its own
	pkg    *packages.Package
	wanted map[string]bool // --type names; found ones set true

	decls    []*ifaceDecl                 // the interfaces to wrap, in declaration order
	index    map[token.Pos]*methodField   // method declarations of the package's interfaces, by name position
	external map[string]externalFile      // files of other packages read for their annotations
	loaded   map[string]*types.Package    // packages loaded for the imports of other packages' files
	cached   map[string]bool              // namespaces some read method caches
	used     map[*ast.TypeSpec]bool       // generic interfaces whose annotations a wrapped interface uses
	taken    map[string]bool              // package-level names, the package's and generated ones
	names    []string                     // taken, sorted
	gen      []generatedFile              // files cachegen generated earlier, which the build tag hides
	scanned  map[*ast.TypeSpec]*ifaceDecl // the interfaces with annotations of their own
	complete bool                         // the package was analysed to the end
	sqlcAnalysis
}

// ifaceDecl is a package-level interface that cachegen wraps: one with
// //cache: lines on its methods or on the methods of interfaces it embeds.
type ifaceDecl struct {
	spec     *ast.TypeSpec
	typ      *ast.InterfaceType // nil for a type that is not an interface literal
	file     string             // the file declaring it
	selected bool               // written in this run (no --type, or named by it)
	r        *reporter          // its problems, reported when selected
	path     string             // the file it is written to
	results  map[string]string  // method name -> result struct type, for methods of several values
	iface    *Interface         // its model; nil when it has problems
	writes   []listItem         // namespaces written by its invalidate annotations
	members  []memberUse        // the members its templates name, for checkFamilies
	// constraint is the build constraint of its file, nil for none.
	constraint constraint.Expr
}

func newAnalyzer(pkg *packages.Package, wanted map[string]bool) *analyzer {
	return &analyzer{
		r:        &reporter{fset: pkg.Fset},
		pkg:      pkg,
		wanted:   wanted,
		index:    map[token.Pos]*methodField{},
		external: map[string]externalFile{},
		loaded:   map[string]*types.Package{},
		cached:   map[string]bool{},
		used:     map[*ast.TypeSpec]bool{},
		scanned:  map[*ast.TypeSpec]*ifaceDecl{},
	}
}

// run finds the package's interfaces to wrap and builds their models.
func (a *analyzer) run() {
	for _, f := range a.pkg.Syntax {
		a.scanFile(f)
	}
	a.scanOtherFiles()
	if len(a.pkg.Syntax) == 0 {
		if !a.onlyGenerated() {
			a.r.diags = append(a.r.diags, loadErrors(a.pkg, nil)...)
			return
		}
		a.complete = true
		return
	}
	a.findDecls()
	if !a.checkLoad() {
		return
	}
	a.nameFiles()
	for _, d := range a.decls {
		a.iface(d)
	}
	a.planCopies()
	a.names = slices.Sorted(maps.Keys(a.taken))
	a.checkGeneric()
	a.complete = true
}

// findDecls lists the interfaces to wrap, in declaration order: those with
// annotations of their own, and those that embed annotated methods.
func (a *analyzer) findDecls() {
	for _, f := range a.pkg.Syntax {
		for _, ts := range typeSpecs(f) {
			d := a.scanned[ts]
			if d == nil && a.embedsAnnotations(ts) {
				d = newIfaceDecl(ts, a.pkg.Fset.Position(f.Pos()).Filename, a.pkg.Fset)
			}
			if d == nil {
				continue
			}
			d.constraint = fileConstraint(f, d.file)
			if len(a.wanted) > 0 {
				_, d.selected = a.wanted[ts.Name.Name]
			} else {
				d.selected = true
			}
			a.decls = append(a.decls, d)
		}
	}
}

func newIfaceDecl(ts *ast.TypeSpec, file string, fset *token.FileSet) *ifaceDecl {
	it, _ := ts.Type.(*ast.InterfaceType)
	return &ifaceDecl{spec: ts, typ: it, file: file, r: &reporter{fset: fset}, results: map[string]string{}}
}

// embedsAnnotations reports whether the non-generic interface ts gets
// annotated methods from interfaces it embeds.
func (a *analyzer) embedsAnnotations(ts *ast.TypeSpec) bool {
	if _, ok := ts.Type.(*ast.InterfaceType); !ok || ts.TypeParams != nil || ts.Assign.IsValid() || a.pkg.Types == nil {
		return false
	}
	obj, ok := a.pkg.Types.Scope().Lookup(ts.Name.Name).(*types.TypeName)
	if !ok {
		return false
	}
	it, ok := obj.Type().Underlying().(*types.Interface)
	if !ok {
		return false
	}
	for i := range it.NumMethods() {
		if md := a.declOf(it.Method(i)); md.field != nil && len(md.annots) > 0 {
			return true
		}
	}
	return false
}

// checkLoad reports the package's load errors that touch the selected
// interfaces. Errors elsewhere (such as code using generated names that the
// cachegen build tag hides) do not stop generation.
func (a *analyzer) checkLoad() bool {
	if a.pkg.Types == nil && len(a.pkg.Errors) == 0 {
		return false
	}
	if len(a.pkg.Errors) == 0 {
		return true
	}
	type span struct {
		file       string
		start, end int
	}
	var spans []span
	for _, d := range a.decls {
		if d.selected {
			spans = append(spans, span{d.file, a.pkg.Fset.Position(d.spec.Pos()).Line, a.pkg.Fset.Position(d.spec.End()).Line})
		}
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

// iface builds the model of one interface to wrap, reporting its problems
// to d.r.
func (a *analyzer) iface(d *ifaceDecl) {
	pkgR := a.r
	a.r = d.r
	defer func() { a.r = pkgR }()
	a.found(d)
	name := d.spec.Name.Name
	obj, ok := a.pkg.Types.Scope().Lookup(name).(*types.TypeName)
	if !ok || d.typ == nil {
		a.r.errorf(d.spec.Pos(), "interface %s did not type-check", name)
		return
	}
	named, ok := obj.Type().(*types.Named)
	if !ok {
		a.r.errorf(d.spec.Pos(), "%s is an alias; annotate the interface it names", name)
		return
	}
	if named.TypeParams().Len() > 0 {
		return // see checkGeneric
	}
	wrapper, ctor := WrapperNames(name)
	for _, gen := range []string{wrapper, ctor} {
		if obj := a.pkg.Types.Scope().Lookup(gen); obj != nil {
			at := a.pkg.Fset.Position(obj.Pos())
			a.r.errorf(d.spec.Name.Pos(), "cachegen generates %s for %s, but %s:%d already declares it: rename one of them", gen, name, filepath.Base(at.Filename), at.Line)
			return
		}
	}
	it := named.Underlying().(*types.Interface)
	iface := &Interface{Name: name}
	var reads, writes []*Method
	var writeAnnots []*annotation
	for _, fn := range methodOrder(d, it) {
		md := a.declOf(fn)
		if md.field == nil {
			at := a.pkg.Fset.Position(fn.Pos())
			a.r.errorf(d.spec.Name.Pos(), "%s gets method %s from %s, whose source (%s:%d) cachegen cannot read to see its //cache: annotations: declare %s in %s itself, with a //cache: line to cache it",
				name, fn.Name(), a.typeName(recvType(fn)), filepath.Base(at.Filename), at.Line, fn.Name(), name)
			continue
		}
		if md.owner != nil && md.owner.TypeParams != nil {
			a.used[md.owner] = true
		}
		m, an := a.method(d, md, fn)
		if m != nil && m.Kind == PassThrough {
			m.Kind = rewrapKind(m, named)
		}
		if m == nil {
			continue
		}
		iface.Methods = append(iface.Methods, m)
		switch m.Kind {
		case Read, Batch:
			reads = append(reads, m)
		case Write:
			writes = append(writes, m)
			writeAnnots = append(writeAnnots, an)
		}
	}
	shareBatchEntries(iface)
	// A write without namespace= invalidates every namespace cached here.
	// Of a template, the whole family.
	var all []string
	for _, m := range reads {
		for _, ns := range m.Namespaces {
			if !slices.Contains(all, family(ns)) {
				all = append(all, family(ns))
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
	d.iface = iface
}

// found notes that the interface --type names was found.
func (a *analyzer) found(d *ifaceDecl) {
	if _, ok := a.wanted[d.spec.Name.Name]; ok {
		a.wanted[d.spec.Name.Name] = true
	}
}

// checkGeneric reports the annotated generic interfaces that no wrapped
// interface instantiates.
func (a *analyzer) checkGeneric() {
	for _, d := range a.decls {
		if d.spec.TypeParams == nil || (a.used[d.spec] && len(a.wanted) == 0) {
			continue
		}
		a.found(d)
		name := d.spec.Name.Name
		var params []string
		for _, f := range d.spec.TypeParams.List {
			for _, n := range f.Names {
				params = append(params, "<"+n.Name+">")
			}
		}
		d.r.errorf(d.spec.Name.Pos(), "generic interface %s cannot be wrapped itself: declare a non-generic interface that embeds an instantiation of it, as type Book%s interface{ %s[%s] } with your type arguments; cachegen wraps that one, with %s's annotations",
			name, name, name, strings.Join(params, ", "), name)
	}
}

// checkWrites warns of the namespaces that the selected interfaces' writes
// invalidate when they look like a typo of a namespace cached in this run
// or elsewhere in the module, and nothing in the module caches them. A
// namespace cached outside the module cannot be checked: a write marked
// external is not.
func (a *analyzer) checkWrites(cached map[string]bool, module moduleNamespaces) {
	for _, d := range a.decls {
		for _, w := range d.writes {
			if cached[w.text] {
				continue
			}
			s := closest(w.text, slices.Sorted(maps.Keys(cached))) // the run's own first
			modPath := "of this run"
			if a.pkg.Module != nil && a.pkg.Module.Dir != "" {
				mod := module.cached(a.pkg.Module.Dir)
				if mod[w.text] {
					continue // another package of the module caches it
				}
				if s == "" {
					s = closest(w.text, slices.Sorted(maps.Keys(mod)))
				}
				modPath = a.pkg.Module.Path
			}
			if s != "" {
				d.r.warnf(w.pos, "namespace %q is invalidated here, but nothing in module %s caches it; did you mean %q? If a program of another module caches it, mark the write external: //cache:invalidate namespace=%s external", w.text, modPath, s, w.text)
			}
		}
	}
}

// diagnostics returns the package's problems and those of its selected
// interfaces.
func (a *analyzer) diagnostics() Diagnostics {
	ds := a.r.diags
	for _, d := range a.decls {
		if d.selected {
			ds = append(ds, d.r.diags...)
		}
	}
	return a.sqlcPositions(ds)
}

// files returns the files of the selected interfaces.
func (a *analyzer) files() []*File {
	var out []*File
	for _, d := range a.decls {
		if d.selected && d.iface != nil {
			var cons string
			if d.constraint != nil {
				cons = d.constraint.String()
			}
			out = append(out, &File{
				Constraint: cons,
				Path:       d.path,
				PkgPath:    a.pkg.PkgPath,
				PkgName:    a.pkg.Name,
				Interface:  d.iface,
				Names:      a.names,
			})
		}
	}
	return out
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

// methodOrder returns the interface's methods: declared ones in source
// order, then those of embedded interfaces by name.
func methodOrder(d *ifaceDecl, it *types.Interface) []*types.Func {
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

// typeName returns t as the package's code would write it, naming other
// packages by their names.
func (a *analyzer) typeName(t types.Type) string {
	return types.TypeString(t, func(p *types.Package) string {
		if p == a.pkg.Types {
			return ""
		}
		return p.Name()
	})
}

// recvType returns the interface that declares the method fn.
func recvType(fn *types.Func) types.Type {
	if recv := fn.Type().(*types.Signature).Recv(); recv != nil {
		return recv.Type()
	}
	return types.Typ[types.Invalid]
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
