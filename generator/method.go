package generator

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// annotation, if any, makes of it. It returns nil when the method has
// problems, each of them reported.
func (a *analyzer) method(d *ifaceDecl, md *methodField, fn *types.Func) (*Method, *annotation) {
	pos := newMethodPos(md.field)
	pos.name = fn.Name()
	if fn.Origin() != fn { // of an instantiated generic interface: its problems depend on the type arguments
		if at, inst := a.embedding(d, fn); at.IsValid() {
			pos.at, pos.name = at, fmt.Sprintf("%s, which %s gets from %s,", fn.Name(), d.spec.Name.Name, inst)
		}
	}
	m := a.signature(fn)
	lines, ok := a.sqlcLines(d, md, fn)
	if !ok {
		return nil, nil
	}
	an, ok := a.annotation(lines, fn.Name())
	switch {
	case !ok:
		return nil, nil
	case an == nil:
		return m, nil
	case an.invalidate:
		return a.write(d, m, an), an
	case an.batch != nil:
		if !a.batchRead(d, m, an, pos, a.scopeOf(md, fn)) {
			return nil, nil
		}
		return m, an
	}
	if !a.read(d, m, an, pos, a.scopeOf(md, fn)) {
		return nil, nil
	}
	return m, an
}

// signature returns the model of fn's parameters and results, as a method
// passed through.
func (a *analyzer) signature(fn *types.Func) *Method {
	sig := fn.Type().(*types.Signature)
	m := &Method{Name: fn.Name(), CtxParam: -1, Variadic: sig.Variadic()}
	for i := range sig.Params().Len() {
		p := sig.Params().At(i)
		m.Params = append(m.Params, &Param{Name: p.Name(), Type: p.Type()})
		if i == 0 && isContext(p.Type()) {
			m.CtxParam = 0
		}
	}
	for i := range sig.Results().Len() {
		m.Results = append(m.Results, sig.Results().At(i).Type())
		m.ResultNames = append(m.ResultNames, sig.Results().At(i).Name())
	}
	m.HasError = len(m.Results) > 0 && isError(m.Results[len(m.Results)-1])
	return m
}

// annotation parses the //cache: lines of a method. It returns nil and true
// for a method without any, and false when they have problems.
func (a *analyzer) annotation(lines []*ast.Comment, method string) (*annotation, bool) {
	if len(lines) == 0 {
		return nil, true
	}
	ok := true
	for _, extra := range lines[1:] {
		a.r.errorf(extra.Slash, "method %s has more than one //cache: line: put every option on one line", method)
		ok = false
	}
	an := parseAnnotation(a.r, lines[0])
	return an, an != nil && ok
}

// write makes m a write that invalidates the annotation's namespaces. It
// returns nil when a template of them has problems.
func (a *analyzer) write(d *ifaceDecl, m *Method, an *annotation) *Method {
	m.Kind = Write
	m.Namespaces = an.namespaces
	for i, ns := range an.namespaces {
		if !an.external {
			d.writes = append(d.writes, listItem{family(ns), an.nsPos[i]})
		}
	}
	if !a.templates(d, m, an, true) {
		return nil
	}
	return m
}

// family returns the fixed part of a namespace: item for item:{id}, the
// namespace itself when it is not a template.
func family(ns string) string {
	f, _, _ := strings.Cut(ns, ":{")
	return f
}

// templates resolves the members of m's namespace templates, which name
// parameters (and, for a write, named results) or fields of them, and plans
// how each is written: a pointer as what it points to. It notes them on d
// for the check across the run's families, and reports whether they all
// resolve.
func (a *analyzer) templates(d *ifaceDecl, m *Method, an *annotation, results bool) bool {
	ok := true
	members := make([][]*KeyPart, len(an.namespaces))
	for i, t := range an.templates {
		if t == nil {
			continue
		}
		for j, mem := range t.members {
			path := a.resolvePathIn(m, "namespace", mem.text, mem.pos, results, an.namespaces[i])
			if path == nil {
				ok = false
				continue
			}
			if isContext(path.Type) {
				a.r.errorf(mem.pos, "namespace=%s: a context.Context cannot name a namespace", an.namespaces[i])
				ok = false
				continue
			}
			enc, why := keyEncoding(path.Type, a.pkg.Types)
			if why != "" {
				a.r.errorf(mem.pos, "namespace=%s: {%s} cannot name a namespace member: %s", an.namespaces[i], mem.text, why)
				ok = false
				continue
			}
			orig := path.Type
			enc = derefMember(path, enc)
			d.members = append(d.members, memberUse{
				family: t.family, index: j, count: len(t.members), text: mem.text, ns: an.namespaces[i], method: m.Name,
				typ: path.Type, orig: orig, pos: mem.pos, at: a.pkg.Fset.Position(mem.pos), d: d, a: a,
			})
			members[i] = append(members[i], &KeyPart{Path: path, Enc: enc})
		}
	}
	m.Members = members
	if !m.Templated() {
		m.Members = nil
	}
	return ok
}

// read makes m a cached read, checking that its results can be cached and
// its key parameters encoded. It reports whether they can.
func (a *analyzer) read(d *ifaceDecl, m *Method, an *annotation, pos methodPos, names nameScope) bool {
	m.Kind, m.TTL, m.Namespaces = Read, an.expire, an.namespaces
	m.Refresh = an.refresh
	m.ResultType = d.results[m.Name]
	for _, ns := range an.namespaces {
		a.cached[family(ns)] = true
	}
	if m.Values() < 1 {
		a.r.errorf(pos.method(), "cached method %s returns no value to cache: a cached method returns (T, error), (T1, T2, ..., error) or (T); use //cache:invalidate for a write", pos.name)
		return false
	}
	resultsOK := a.results(m, pos)
	parts, keysOK := a.keyParts(m, an)
	templatesOK := a.templates(d, m, an, false)
	notFoundOK := a.notFound(m, an, names)
	return a.keyEncodings(m, an, parts, pos) && keysOK && resultsOK && templatesOK && notFoundOK
}

// results checks that each value a read returns can be cached.
func (a *analyzer) results(m *Method, pos methodPos) bool {
	ok := true
	for i := range m.Values() {
		for _, why := range exactProblems(m.Results[i], a.pkg.Types) {
			a.r.errorf(pos.result(i), "result %s of %s cannot be cached: %s", types.TypeString(m.Results[i], types.RelativeTo(a.pkg.Types)), pos.name, why)
			ok = false
		}
	}
	return ok
}

// keyParts returns the values that make the key: those key= lists, or
// every parameter but a context. They are in parameter order (the order of
// key= within one parameter's fields), so that listing them in another
// order keeps the key.
func (a *analyzer) keyParts(m *Method, an *annotation) ([]*KeyPart, bool) {
	var parts []*KeyPart
	if !an.hasKey {
		for i, p := range m.Params {
			if !isContext(p.Type) {
				parts = append(parts, &KeyPart{Path: &ValuePath{Text: p.Name, Param: i, Type: p.Type}})
			}
		}
		return parts, true
	}
	ok := true
	var seen []string
	for i, k := range an.keys {
		path := a.resolvePath(m, "key", k, an.keyPos[i])
		switch {
		case path == nil:
			ok = false
		case isContext(path.Type) && len(path.Fields) == 0:
			a.r.errorf(an.keyPos[i], "key=%s: a context.Context cannot be part of a key", k)
			ok = false
		case slices.Contains(seen, k):
			a.r.errorf(an.keyPos[i], "key=%s is listed twice", k)
			ok = false
		default:
			seen = append(seen, k)
			parts = append(parts, &KeyPart{Path: path})
		}
	}
	slices.SortStableFunc(parts, func(x, y *KeyPart) int { return x.Path.Param - y.Path.Param })
	return parts, ok
}

// keyEncodings plans how each part of the key is written into it.
func (a *analyzer) keyEncodings(m *Method, an *annotation, parts []*KeyPart, pos methodPos) bool {
	ok := true
	for _, part := range parts {
		enc, why := keyEncoding(part.Path.Type, a.pkg.Types)
		if why == "" {
			part.Enc = enc
			continue
		}
		ok = false
		if len(part.Path.Fields) > 0 {
			at := an.keyPos[slices.Index(an.keys, part.Path.Text)]
			a.r.errorf(at, "key=%s cannot be part of a cache key: %s", part.Path.Text, why)
			continue
		}
		i := part.Path.Param
		name := m.Params[i].Name
		if name == "" || name == "_" {
			name = fmt.Sprintf("#%d", i+1)
		}
		a.r.errorf(pos.param(i), "parameter %s of %s cannot be part of a cache key: %s; leave it out with key= listing the parameters that identify the result", name, pos.name, why)
	}
	m.Key = parts
	return ok
}

// methodPos locates the parts of a method's declaration, for diagnostics.
type methodPos struct {
	field           *ast.Field // nil for a method of an embedded interface
	params, results []token.Pos
	// at, when valid, is where the interface being wrapped embeds the
	// instantiated generic interface the method is of: its problems are
	// reported there.
	at   token.Pos
	name string // the method, as messages name it
}

func newMethodPos(field *ast.Field) methodPos {
	p := methodPos{field: field}
	if field != nil {
		if ft, ok := field.Type.(*ast.FuncType); ok {
			p.params = fieldPositions(ft.Params)
			p.results = fieldPositions(ft.Results)
		}
	}
	return p
}

func (p methodPos) method() token.Pos {
	if p.at.IsValid() {
		return p.at
	}
	if p.field != nil {
		return p.field.Pos()
	}
	return token.NoPos
}

func (p methodPos) param(i int) token.Pos {
	if i < len(p.params) && !p.at.IsValid() {
		return p.params[i]
	}
	return p.method()
}

func (p methodPos) result(i int) token.Pos {
	if i < len(p.results) && !p.at.IsValid() {
		return p.results[i]
	}
	return p.method()
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

// embedding returns where d embeds the interface that brings it fn, a
// method of an instantiated generic interface, and that embedded type as
// written (Feed[<-chan Event]); NoPos when it cannot tell.
func (a *analyzer) embedding(d *ifaceDecl, fn *types.Func) (token.Pos, string) {
	if d.typ == nil {
		return token.NoPos, ""
	}
	for _, f := range d.typ.Methods.List {
		if len(f.Names) > 0 {
			continue
		}
		it, ok := a.pkg.TypesInfo.TypeOf(f.Type).Underlying().(*types.Interface)
		if !ok {
			continue
		}
		for i := range it.NumMethods() {
			if it.Method(i).Origin() == fn.Origin() {
				return f.Type.Pos(), types.ExprString(f.Type)
			}
		}
	}
	return token.NoPos, ""
}
