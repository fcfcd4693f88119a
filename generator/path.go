package generator

import (
	"fmt"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// resolvePath resolves text, a parameter of m or a path of fields from one
// ("f", "f.Email", "q.Filter.Page"), as the option opt names it ("key").
// Fields may be reached through pointers and embedded structs; they must be
// accessible from the package, whose generated code selects them. Problems
// are reported at pos; it returns nil when there are any.
func (a *analyzer) resolvePath(m *Method, opt, text string, pos token.Pos) *ValuePath {
	return a.resolvePathIn(m, opt, text, pos, false)
}

// resolvePathIn is resolvePath, also looking at m's named results when
// results is set (a write's namespace templates may name what it returns).
// shown is how the path appears in messages: the namespace template for one
// of its members.
func (a *analyzer) resolvePathIn(m *Method, opt, text string, pos token.Pos, results bool, shown ...string) *ValuePath {
	label := text
	if len(shown) > 0 {
		label = shown[0]
	}
	names := strings.Split(text, ".")
	if names[0] == ResultWord {
		return a.resolveResult(m, opt, text, pos, results)
	}
	var p *ValuePath
	if idx := slices.IndexFunc(m.Params, func(p *Param) bool { return p.Name == names[0] }); idx >= 0 {
		p = &ValuePath{Text: text, Param: idx, Type: m.Params[idx].Type}
	} else if idx := slices.Index(m.ResultNames, names[0]); results && idx >= 0 && names[0] != "_" && !isError(m.Results[idx]) {
		p = &ValuePath{Text: text, Param: idx, Result: true, Type: m.Results[idx]}
	} else {
		msg := noParam(m, opt, label, names[0])
		if results && !slices.ContainsFunc(m.ResultNames, func(n string) bool { return n != "" && n != "_" }) {
			msg += "; to name what the method returns, name its results, as (created Item, err error), and write {created.ID}, or write {return.ID}"
		}
		a.r.errorf(pos, "%s", msg)
		return nil
	}
	addressable := true // a parameter or a result is a variable
	for _, name := range names[1:] {
		if !a.selectField(p, opt, label, name, pos, &addressable) {
			return nil
		}
	}
	return p
}

// selectField extends p with the field name, or with a call of the
// method name when it ends in (), reporting why it cannot. addressable says
// whether the value p reaches is addressable (a method with a pointer
// receiver can be called on it), and is updated.
func (a *analyzer) selectField(p *ValuePath, opt, label, name string, pos token.Pos, addressable *bool) bool {
	name, call := strings.CutSuffix(name, "()")
	t := p.Type
	obj, index, indirect := types.LookupFieldOrMethod(t, *addressable, a.pkg.Types, name)
	if obj == nil && indirect && index != nil {
		a.r.errorf(pos, "%s=%s: method %s of %s has a pointer receiver, but the value it is called on here is not addressable (a method's result): have the getter before it return a pointer", opt, label, name, a.typeName(t))
		return false
	}
	switch obj := obj.(type) {
	case *types.Func:
		if !call {
			a.r.errorf(pos, "%s=%s: %s is a method of %s; %s= takes parameters, their fields and getters: write %s() to call it", opt, label, name, a.typeName(t), opt, name)
			return false
		}
		sig := obj.Type().(*types.Signature)
		if sig.Params().Len() != 0 || sig.Results().Len() != 1 {
			why := "takes parameters"
			if sig.Params().Len() == 0 {
				why = fmt.Sprintf("returns %d results", sig.Results().Len())
			}
			a.r.errorf(pos, "%s=%s: method %s of %s %s; a key path calls only getters, methods without parameters and with one result", opt, label, name, a.typeName(t), why)
			return false
		}
		if !a.embeddedSteps(p, opt, label, name, pos, index[:len(index)-1], len(index)-1) {
			return false
		}
		_, onPtr := p.Type.Underlying().(*types.Pointer)
		p.Fields = append(p.Fields, PathField{Name: name, Call: true, NilCheck: onPtr || types.IsInterface(p.Type)})
		p.Type = sig.Results().At(0).Type()
		*addressable = false
		return true
	case *types.Var:
		if !obj.IsField() {
			break
		}
		if call {
			a.r.errorf(pos, "%s=%s: %s is a field of %s, not a method: write %s without ()", opt, label, name, a.typeName(t), name)
			return false
		}
		if !a.embeddedSteps(p, opt, label, name, pos, index, len(index)-1) {
			return false
		}
		if p.Fields[len(p.Fields)-1].NilCheck {
			*addressable = true // selected through a pointer
		}
		return true
	}
	if f := a.hiddenField(t, name); f != nil {
		what := "field"
		if _, isFunc := f.(*types.Func); isFunc {
			what = "method"
		}
		a.r.errorf(pos, "%s=%s: %s %s of %s is unexported in package %s, so the wrapper in package %s cannot read it: export it, or name an exported field or getter of %s",
			opt, label, what, name, a.typeName(t), f.Pkg().Name(), a.pkg.Name, a.typeName(t))
		return false
	}
	msg := fmt.Sprintf("%s=%s: %s has no field %s", opt, label, a.typeName(t), name)
	fields := a.fieldNames(t)
	switch s := closest(name, fields); {
	case len(fields) == 0:
		msg = fmt.Sprintf("%s=%s: %s has no fields to select %s from", opt, label, a.typeName(t), name)
	case s != "":
		msg += fmt.Sprintf("; did you mean %q?", s)
	default:
		msg += "; its fields are " + strings.Join(fields, ", ")
	}
	a.r.errorf(pos, "%s", msg)
	return false
}

// embeddedSteps appends to p the fields of index, as LookupFieldOrMethod
// returns it: the first through are embedded fields, then (for a field)
// the field itself.
func (a *analyzer) embeddedSteps(p *ValuePath, opt, label, name string, pos token.Pos, index []int, through int) bool {
	t := p.Type
	for i, fi := range index {
		ptr, isPtr := t.Underlying().(*types.Pointer)
		if isPtr {
			t = ptr.Elem()
		}
		f := t.Underlying().(*types.Struct).Field(fi)
		step := PathField{Name: f.Name(), NilCheck: isPtr}
		if i < through && !f.Exported() && f.Pkg() != a.pkg.Types {
			if _, fieldIsPtr := f.Type().Underlying().(*types.Pointer); fieldIsPtr {
				a.r.errorf(pos, "%s=%s: %s is reached through the unexported embedded pointer %s, which cachegen cannot check for nil", opt, label, name, f.Name())
				return false
			}
			step.Elided = true
		}
		p.Fields = append(p.Fields, step)
		t = f.Type()
	}
	p.Type = t
	return true
}

// hiddenField returns the unexported field or method name of t (a struct,
// or a pointer to one), declared in another package, or nil.
func (a *analyzer) hiddenField(t types.Type, name string) types.Object {
	if token.IsExported(name) {
		return nil
	}
	pkg := t
	if ptr, ok := t.Underlying().(*types.Pointer); ok {
		pkg = ptr.Elem()
	}
	n, ok := types.Unalias(pkg).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg() == a.pkg.Types {
		return nil
	}
	obj, _, _ := types.LookupFieldOrMethod(t, true, n.Obj().Pkg(), name)
	return obj
}

// fieldNames returns the fields of t (a struct or a pointer to one) that
// the package can select, its embedded structs' included.
func (a *analyzer) fieldNames(t types.Type) []string {
	var out []string
	seen := map[types.Type]bool{}
	var walk func(t types.Type)
	walk = func(t types.Type) {
		if ptr, ok := t.Underlying().(*types.Pointer); ok {
			t = ptr.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || seen[t] {
			return
		}
		seen[t] = true
		for f := range st.Fields() {
			if f.Exported() || f.Pkg() == a.pkg.Types {
				out = append(out, f.Name())
			}
			if f.Embedded() {
				walk(f.Type())
			}
		}
	}
	walk(t)
	slices.Sort(out)
	return slices.Compact(out)
}

// noParam says that m has no parameter k, which text names, and which it
// has.
func noParam(m *Method, opt, text, k string) string {
	msg := fmt.Sprintf("%s=%s: %s has no parameter %s", opt, text, m.Name, k)
	var names []string
	for _, p := range m.Params {
		if p.Name != "" && p.Name != "_" && !isContext(p.Type) {
			names = append(names, p.Name)
		}
	}
	if s := closest(k, names); s != "" {
		return msg + fmt.Sprintf("; did you mean %q?", s)
	}
	if len(names) > 0 {
		return msg + "; its parameters are " + strings.Join(names, ", ")
	}
	return msg
}
