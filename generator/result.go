package generator

import (
	"go/token"
	"strings"
)

// ResultWord names a method's result in a namespace template of a write,
// as {return.ID}: return is a Go keyword, so no parameter or named result
// can be called so, and a method whose results have no names (sqlc's
// never do) can still invalidate the row it creates.
const ResultWord = "return"

// isResultPath reports whether s is return or return.Field.Path.
func isResultPath(s string) bool {
	rest, ok := strings.CutPrefix(s, ResultWord)
	return ok && (rest == "" || rest[0] == '.' && isPath(rest[1:]))
}

// resultValue returns the index of the one result of m that is not an
// error, which {return} names, and a reason when there is none or several.
func resultValue(m *Method) (int, string) {
	switch m.Values() {
	case 0:
		return -1, m.Name + " returns nothing but an error"
	case 1:
		return 0, ""
	}
	return -1, m.Name + " returns several values: name them, as (created Item, n int, err error), and write {created.ID}"
}

// resolveResult resolves a template member starting with return. It
// returns nil, with the problem reported, when it cannot.
func (a *analyzer) resolveResult(m *Method, opt, text string, pos token.Pos, results bool) *ValuePath {
	if !results {
		a.r.errorf(pos, "%s=%s: {%s...} names what a write returns; a cached read's namespaces name its parameters", opt, text, ResultWord)
		return nil
	}
	idx, why := resultValue(m)
	if idx < 0 {
		a.r.errorf(pos, "%s=%s: %s", opt, text, why)
		return nil
	}
	p := &ValuePath{Text: text, Param: idx, Result: true, Type: m.Results[idx]}
	names := strings.Split(text, ".")
	addressable := true // the result is a variable of the wrapper
	for _, name := range names[1:] {
		if !a.selectField(p, opt, text, name, pos, &addressable) {
			return nil
		}
	}
	return p
}
