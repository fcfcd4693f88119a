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
func (a *analyzer) resolvePathIn(m *Method, opt, text string, pos token.Pos, results bool) *ValuePath {
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
		msg := noParam(m, opt, text, names[0])
		if results && !slices.ContainsFunc(m.ResultNames, func(n string) bool { return n != "" && n != "_" }) {
			msg += "; to name what the method returns, name its results, as (created Item, err error), and write {created.ID}, or write {return.ID}"
		}
		a.r.errorf(pos, "%s", msg)
		return nil
	}
	for _, name := range names[1:] {
		if !a.selectField(p, opt, name, pos) {
			return nil
		}
	}
	return p
}

// selectField extends p with the field name, reporting why it cannot.
func (a *analyzer) selectField(p *ValuePath, opt, name string, pos token.Pos) bool {
	t := p.Type
	obj, index, _ := types.LookupFieldOrMethod(t, false, a.pkg.Types, name)
	switch obj := obj.(type) {
	case *types.Func:
		a.r.errorf(pos, "%s=%s: %s is a method of %s; %s= takes parameters and their fields", opt, p.Text, name, a.typeName(t), opt)
		return false
	case *types.Var:
		if !obj.IsField() {
			break
		}
		for i, fi := range index {
			ptr, isPtr := t.Underlying().(*types.Pointer)
			if isPtr {
				t = ptr.Elem()
			}
			f := t.Underlying().(*types.Struct).Field(fi)
			step := PathField{Name: f.Name(), NilCheck: isPtr}
			if i < len(index)-1 && !f.Exported() && f.Pkg() != a.pkg.Types {
				if _, fieldIsPtr := f.Type().Underlying().(*types.Pointer); fieldIsPtr {
					a.r.errorf(pos, "%s=%s: %s is reached through the unexported embedded pointer %s, which cachegen cannot check for nil", opt, p.Text, name, f.Name())
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
	msg := fmt.Sprintf("%s=%s: %s has no field %s", opt, p.Text, a.typeName(t), name)
	fields := a.fieldNames(t)
	switch s := closest(name, fields); {
	case len(fields) == 0:
		msg = fmt.Sprintf("%s=%s: %s has no fields to select %s from", opt, p.Text, a.typeName(t), name)
	case s != "":
		msg += fmt.Sprintf("; did you mean %q?", s)
	default:
		msg += "; its fields are " + strings.Join(fields, ", ")
	}
	a.r.errorf(pos, "%s", msg)
	return false
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
