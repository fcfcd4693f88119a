package generator

import (
	"cmp"
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// planCopies plans, for every read of every interface the package wraps,
// the deep copy of its cached type (see [Copier]), and names the functions
// each file declares for them. Interfaces are planned in the order of their
// names, so --type does not change what any of them gets.
func (a *analyzer) planCopies() {
	var decls []*ifaceDecl
	for _, d := range a.decls {
		if d.iface != nil {
			decls = append(decls, d)
		}
	}
	slices.SortFunc(decls, func(x, y *ifaceDecl) int { return cmp.Compare(x.spec.Name.Name, y.spec.Name.Name) })
	for _, d := range decls {
		p := newCopyPlanner(a.pkg.Types, d.iface.Name, a.taken)
		for _, m := range d.iface.Methods {
			if m.Kind == Read {
				m.Copy, _ = p.plan(a.cachedType(m))
			}
		}
		d.iface.Copiers = p.funcs
	}
}

// cachedType returns the type a read's results are cached as: its value,
// or the package-level struct generated for its values, R0, R1 and so on.
func (a *analyzer) cachedType(m *Method) types.Type {
	if m.ResultType == "" {
		return m.Results[0]
	}
	fields := make([]*types.Var, m.Values())
	for i := range fields {
		fields[i] = types.NewField(token.NoPos, a.pkg.Types, fmt.Sprintf("R%d", i), m.Results[i], false)
	}
	obj := types.NewTypeName(token.NoPos, a.pkg.Types, m.ResultType, nil)
	return types.NewNamed(obj, types.NewStruct(fields, nil), nil)
}

// copyPlanner plans the copy functions of one generated file.
type copyPlanner struct {
	pkg    *types.Package  // the package the file belongs to
	owner  string          // the interface's name, first letter lowered: bookRepository
	prefix string          // of the functions' names: bookRepositoryCopy
	taken  map[string]bool // package-level names, the package's and those generated so far
	done   typeutil.Map    // type -> *Copier: the plans of the types planned so far
	funcs  []*Copier       // the functions to declare, in the order first planned
}

func newCopyPlanner(pkg *types.Package, iface string, taken map[string]bool) *copyPlanner {
	return &copyPlanner{pkg: pkg, owner: lowerFirst(iface), prefix: lowerFirst(iface) + "Copy", taken: taken}
}

// plan returns the copy of a read's cached type t, whose functions it
// names and adds to the file's, or why t cannot be copied (then nothing is
// added).
func (p *copyPlanner) plan(t types.Type) (*Copier, string) {
	if why := p.shadowedBuiltin(); why != "" {
		return nil, why
	}
	w := &copyWalk{p: p}
	c, why := w.plan(t)
	if why != "" {
		return nil, why
	}
	for _, n := range w.planned {
		p.done.Set(n.Type, n)
		if n.Kind != CopyValue {
			p.name(n)
		}
	}
	if c.Func == "" {
		p.name(c) // a value copied by a function of its own: the runtime takes one
	}
	return c, ""
}

// name gives c its function.
func (p *copyPlanner) name(c *Copier) {
	want := p.prefix + p.typeName(c.Type)
	got := want
	for i := 2; p.taken[got]; i++ {
		got = fmt.Sprintf("%s%d", want, i)
	}
	p.taken[got] = true
	c.Func = got
	p.funcs = append(p.funcs, c)
}

// typeName names t in a function name, the constructors first:
// SlicePtrBook for []*Book, MapStringSliceInt for map[string][]int,
// BigInt for big.Int. A packed result is named for its method (PageResult).
func (p *copyPlanner) typeName(t types.Type) string {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return upperFirst(t.Name())
	case *types.Named:
		obj := t.Obj()
		s := upperFirst(obj.Name())
		switch {
		case obj.Pkg() != nil && obj.Pkg() != p.pkg:
			s = upperFirst(obj.Pkg().Name()) + s
		case obj.Pos() == token.NoPos && obj.Pkg() == p.pkg:
			s = upperFirst(strings.TrimPrefix(obj.Name(), p.owner)) // bookRepositoryPageResult: PageResult
		}
		for i := range t.TypeArgs().Len() {
			s += p.typeName(t.TypeArgs().At(i))
		}
		return s
	case *types.Pointer:
		return "Ptr" + p.typeName(t.Elem())
	case *types.Slice:
		return "Slice" + p.typeName(t.Elem())
	case *types.Array:
		return fmt.Sprintf("Array%d%s", t.Len(), p.typeName(t.Elem()))
	case *types.Map:
		return "Map" + p.typeName(t.Key()) + p.typeName(t.Elem())
	}
	return "Struct"
}

// builtins are the predeclared names generated copy functions use.
var builtins = []string{"copy", "len", "make", "nil"}

// shadowedBuiltin says why no copy can be written when the package
// declares a predeclared name the copy functions use.
func (p *copyPlanner) shadowedBuiltin() string {
	for _, b := range builtins {
		if p.pkg.Scope().Lookup(b) != nil {
			return fmt.Sprintf("the package declares %s, which copies use as the builtin", b)
		}
	}
	return ""
}

// copyWalk plans the copy of one cached type. Its plans join the file's
// only when the whole type can be copied.
type copyWalk struct {
	p       *copyPlanner
	pending typeutil.Map // type -> *Copier, planned by this walk (some still being planned)
	planned []*Copier    // the plans of this walk, in the order started
}

// immutable are types from other packages whose values hold pointers to
// memory that no method changes: copied by assignment.
var immutable = [][2]string{{"time", "Time"}, {"net/netip", "Addr"}, {"net/netip", "Prefix"}, {"net/netip", "AddrPort"}}

// setters are types from other packages copied by a method of their own,
// which gives the new value memory of its own.
var setters = map[[2]string]string{{"math/big", "Int"}: "Set", {"math/big", "Rat"}: "Set", {"math/big", "Float"}: "Copy"}

// locker is sync.Locker's method set: vet's copylocks check refuses values
// whose pointer has it (sync.Mutex, sync.WaitGroup, atomic.Int64) to be
// copied.
var locker = types.NewInterfaceType([]*types.Func{
	types.NewFunc(token.NoPos, nil, "Lock", types.NewSignatureType(nil, nil, nil, nil, nil, false)),
	types.NewFunc(token.NoPos, nil, "Unlock", types.NewSignatureType(nil, nil, nil, nil, nil, false)),
}, nil).Complete()

// plan returns the copy of t, or why it cannot be made.
func (w *copyWalk) plan(t types.Type) (*Copier, string) {
	t = types.Unalias(t)
	if c, ok := w.p.done.At(t).(*Copier); ok {
		return c, ""
	}
	if c, ok := w.pending.At(t).(*Copier); ok {
		return c, "" // a recursive type, reached again through a pointer, slice or map
	}
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil {
		key := [2]string{n.Obj().Pkg().Path(), n.Obj().Name()}
		if slices.Contains(immutable, key) {
			return w.start(&Copier{Kind: CopyValue, Type: t}), ""
		}
		if method, ok := setters[key]; ok {
			return w.start(&Copier{Kind: CopyBig, Type: t, Method: method}), w.nameable(t)
		}
	}
	if _, isPtr := t.Underlying().(*types.Pointer); !isPtr && types.Implements(types.NewPointer(t), locker) {
		return nil, fmt.Sprintf("%s is a lock, which must not be copied", w.name(t))
	}
	if !carriesData(t) {
		return w.start(&Copier{Kind: CopyValue, Type: t}), ""
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		if u.Kind() == types.UnsafePointer {
			return nil, fmt.Sprintf("%s is an unsafe.Pointer", w.name(t))
		}
		return w.start(&Copier{Kind: CopyValue, Type: t}), ""
	case *types.Pointer:
		return w.elem(&Copier{Kind: CopyPointer, Type: t}, u.Elem())
	case *types.Slice:
		return w.elem(&Copier{Kind: CopySlice, Type: t}, u.Elem())
	case *types.Array:
		return w.elem(&Copier{Kind: CopyArray, Type: t}, u.Elem())
	case *types.Map:
		return w.mapType(t, u)
	case *types.Struct:
		return w.structType(t, u)
	}
	return nil, fmt.Sprintf("%s is %s, which cannot be copied", w.name(t), kindOf(t))
}

// start records c as planned (its parts may still be planned).
func (w *copyWalk) start(c *Copier) *Copier {
	w.pending.Set(c.Type, c)
	w.planned = append(w.planned, c)
	return c
}

// elem plans a pointer, slice or array, whose element is elem. An array of
// values is a value.
func (w *copyWalk) elem(c *Copier, elem types.Type) (*Copier, string) {
	w.start(c)
	ec, why := w.plan(elem)
	if why != "" {
		return nil, why
	}
	c.Elem = ec
	if c.Kind == CopyArray && ec.Kind == CopyValue {
		c.Kind = CopyValue
		return c, ""
	}
	return c, w.nameable(c.Type)
}

// mapType plans a map, whose keys must be values.
func (w *copyWalk) mapType(t types.Type, u *types.Map) (*Copier, string) {
	c := w.start(&Copier{Kind: CopyMap, Type: t})
	kc, why := w.plan(u.Key())
	if why != "" {
		return nil, why
	}
	if kc.Kind != CopyValue {
		return nil, fmt.Sprintf("map key type %s holds mutable memory", w.name(u.Key()))
	}
	if c.Elem, why = w.plan(u.Elem()); why != "" {
		return nil, why
	}
	return c, w.nameable(t)
}

// structType plans a struct: assigned whole, then each field that needs a
// copy gets one. Such a field must be one the generated code can name: an
// exported field, or one of a struct type of the package.
func (w *copyWalk) structType(t types.Type, u *types.Struct) (*Copier, string) {
	c := w.start(&Copier{Kind: CopyStruct, Type: t})
	for i := range u.NumFields() {
		f := u.Field(i)
		fc, why := w.plan(f.Type())
		if why != "" {
			return nil, fmt.Sprintf("field %s of %s: %s", f.Name(), w.name(t), why)
		}
		if fc.Kind == CopyValue {
			continue
		}
		if f.Name() == "_" || !f.Exported() && f.Pkg() != w.p.pkg {
			return nil, fmt.Sprintf("field %s of %s holds mutable memory (%s) and is unexported in another package", f.Name(), w.name(t), w.name(f.Type()))
		}
		c.Fields = append(c.Fields, CopyField{Name: f.Name(), Copy: fc})
	}
	if len(c.Fields) == 0 {
		c.Kind = CopyValue
		return c, ""
	}
	return c, w.nameable(t)
}

// nameable says why the generated code cannot write t, which a copy
// function of its own takes and returns, or "" when it can.
func (w *copyWalk) nameable(t types.Type) string {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		if t.Kind() == types.UnsafePointer {
			return "unsafe.Pointer cannot be named"
		}
		return ""
	case *types.Named:
		obj := t.Obj()
		if pkg := obj.Pkg(); pkg != nil && pkg != w.p.pkg {
			if !obj.Exported() {
				return fmt.Sprintf("type %s is unexported in package %s", obj.Name(), pkg.Path())
			}
			if !importable(pkg.Path(), w.p.pkg.Path()) {
				return fmt.Sprintf("package %s cannot be imported by %s", pkg.Path(), w.p.pkg.Path())
			}
		}
		for i := range t.TypeArgs().Len() {
			if why := w.nameable(t.TypeArgs().At(i)); why != "" {
				return why
			}
		}
		return ""
	case *types.Pointer:
		return w.nameable(t.Elem())
	case *types.Slice:
		return w.nameable(t.Elem())
	case *types.Array:
		return w.nameable(t.Elem())
	case *types.Map:
		if why := w.nameable(t.Key()); why != "" {
			return why
		}
		return w.nameable(t.Elem())
	case *types.Struct:
		for i := range t.NumFields() {
			f := t.Field(i)
			if !f.Exported() && f.Pkg() != w.p.pkg {
				return fmt.Sprintf("struct type %s has a field unexported in another package", w.name(t))
			}
			if why := w.nameable(f.Type()); why != "" {
				return why
			}
		}
		return ""
	}
	return fmt.Sprintf("type %s cannot be named", w.name(t))
}

// importable reports whether package path can be imported by package
// from: not an internal package of another tree, nor a vendored one.
func importable(path, from string) bool {
	if strings.HasPrefix(path, "vendor/") || strings.Contains(path, "/vendor/") {
		return false
	}
	i := strings.LastIndex("/"+path+"/", "/internal/")
	if i < 0 {
		return true
	}
	if i == 0 {
		return false // the standard library's internal packages
	}
	parent := path[:i-1]
	return from == parent || strings.HasPrefix(from, parent+"/")
}

func (w *copyWalk) name(t types.Type) string {
	return types.TypeString(t, types.RelativeTo(w.p.pkg))
}

// kindOf names what kind of type t is, for a reason.
func kindOf(t types.Type) string {
	switch t.Underlying().(type) {
	case *types.Interface:
		return "an interface"
	case *types.Signature:
		return "a func"
	case *types.Chan:
		return "a channel"
	}
	return "a type"
}
