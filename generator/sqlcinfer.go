package generator

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/cachegen/cachegen/generator/sqlcquery"
)

// Explanation is what cachegen inferred for one method that runs a sqlc
// query: the tables it reads and writes, and the annotation it uses, as
// cachegen --explain prints it.
type Explanation struct {
	Pos        token.Position // the query's constant in sqlc's code
	Interface  string
	Method     string
	Engine     string
	Reads      []string // tables, with the row when one is pinned
	Writes     []string
	Annotation string // the //cache: line used: the user's with what was inferred; "" for a read left uncached
}

// sqlcQuery is one query of a package sqlc generated: its constant
// const getAuthor = "-- name: GetAuthor :one\n...".
type sqlcQuery struct {
	name, cmd, sql string
	pos            token.Pos
	analysis       *sqlcquery.Query
	err            error
	analysed       bool
}

// sqlcState is what the analyzer knows of the package's sqlc queries.
type sqlcState struct {
	queries map[string]*sqlcQuery // by method name
	setup   sqlcSetup
	schema  *sqlcquery.Schema
	problem string // why the schema could not be read
}

// sqlcInfo returns the package's sqlc queries, read once.
func (a *analyzer) sqlcInfo() *sqlcState {
	if a.sqlc != nil {
		return a.sqlc
	}
	s := &sqlcState{queries: map[string]*sqlcQuery{}}
	a.sqlc = s
	if a.pkg.Types == nil {
		return s
	}
	scope := a.pkg.Types.Scope()
	for _, name := range scope.Names() {
		c, ok := scope.Lookup(name).(*types.Const)
		if !ok || c.Val().Kind() != constant.String {
			continue
		}
		src := constant.StringVal(c.Val())
		first, _, _ := strings.Cut(src, "\n")
		rest, ok := strings.CutPrefix(first, "-- name: ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || !strings.HasPrefix(f[1], ":") {
			continue
		}
		s.queries[f[0]] = &sqlcQuery{name: f[0], cmd: f[1], sql: src, pos: c.Pos()}
	}
	a.sqlcCopyFrom(s)
	if len(s.queries) == 0 {
		return s
	}
	s.setup = findSqlcSetup(a.pkgDir())
	if s.setup.engine == "" {
		s.setup.engine = sqlcquery.MySQL
		for _, q := range s.queries {
			if strings.Contains(q.sql, "$1") {
				s.setup.engine = sqlcquery.PostgreSQL
			}
		}
	}
	s.schema = sqlcquery.NewSchema()
	for _, path := range s.setup.schema {
		src, err := os.ReadFile(path)
		if err == nil {
			err = sqlcquery.ParseSchema(s.setup.engine, string(src), s.schema)
		}
		if err != nil && s.problem == "" {
			s.problem = fmt.Sprintf("schema %s: %v", path, err)
		}
	}
	if s.setup.problem != "" {
		s.problem = s.setup.config + ": " + s.setup.problem
	}
	return s
}

// sqlcCopyFrom adds to s the queries sqlc's :copyfrom methods run, which
// sqlc's code keeps no constant of: pgx's q.db.CopyFrom(ctx,
// []string{"books"}, ...) and MySQL's LOAD DATA ... INTO TABLE `books`,
// each taken as an INSERT ... SELECT into that table (many rows).
func (a *analyzer) sqlcCopyFrom(s *sqlcState) {
	for _, f := range a.pkg.Syntax {
		if !isSqlcFile(f) {
			continue
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || fd.Body == nil || s.queries[fd.Name.Name] != nil {
				continue
			}
			if table, quote := copyFromTable(fd.Body); table != "" {
				sql := "-- name: " + fd.Name.Name + " :copyfrom\nINSERT INTO " + quote + table + quote + " SELECT NULL"
				s.queries[fd.Name.Name] = &sqlcQuery{name: fd.Name.Name, cmd: ":copyfrom", sql: sql, pos: fd.Name.Pos()}
			}
		}
	}
}

// copyFromTable returns the table a :copyfrom method's body copies into,
// with the quote of its engine, or "".
func copyFromTable(body *ast.BlockStmt) (table, quote string) {
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			// pgx: CopyFrom(ctx, []string{"schema", "books"}, columns, rows)
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "CopyFrom" || len(n.Args) < 2 {
				return true
			}
			if lit, ok := n.Args[1].(*ast.CompositeLit); ok && len(lit.Elts) > 0 {
				if b, ok := lit.Elts[len(lit.Elts)-1].(*ast.BasicLit); ok && b.Kind == token.STRING {
					if v, err := strconv.Unquote(b.Value); err == nil {
						table, quote = v, `"`
					}
				}
			}
		case *ast.BasicLit:
			// MySQL: "LOAD DATA LOCAL INFILE '%s' INTO TABLE `books` ..."
			v, err := strconv.Unquote(n.Value)
			if n.Kind != token.STRING || err != nil || !strings.Contains(v, "LOAD DATA") {
				return true
			}
			if _, rest, ok := strings.Cut(v, "INTO TABLE `"); ok {
				if name, _, ok := strings.Cut(rest, "`"); ok {
					table, quote = name, "`"
				}
			}
		}
		return table == ""
	})
	return table, quote
}

// sqlcLines returns the //cache: lines a method is analysed with: its own,
// and for a method running a sqlc query, the namespaces the query's SQL
// says it reads, or for a write, those it invalidates. It returns false,
// with the problem reported, when the query cannot be read.
func (a *analyzer) sqlcLines(d *ifaceDecl, md *methodField, fn *types.Func) ([]*ast.Comment, bool) {
	s := a.sqlcInfo()
	q := s.queries[fn.Name()]
	if q == nil {
		return md.annots, true
	}
	if s.problem != "" {
		a.r.errorf(q.pos, "sqlc query %s: %s", q.name, s.problem)
		return nil, false
	}
	if !q.analysed {
		q.analysed = true
		q.analysis, q.err = sqlcquery.Analyze(s.setup.engine, q.sql, s.schema)
	}
	if q.err != nil {
		a.r.errorf(q.pos, "sqlc query %s does not parse as %s, so cachegen cannot tell what it reads and writes: %v", q.name, s.setup.engine, q.err)
		return nil, false
	}
	m := a.signature(fn)
	ex := Explanation{Pos: a.pkg.Fset.Position(q.pos), Interface: d.spec.Name.Name, Method: fn.Name(), Engine: string(s.setup.engine)}
	for _, u := range q.analysis.Reads() {
		ex.Reads = append(ex.Reads, u.String())
	}
	for _, u := range q.analysis.Writes() {
		ex.Writes = append(ex.Writes, u.String())
	}
	defer func() { a.explained = append(a.explained, ex) }()
	var own *ast.Comment
	if len(md.annots) > 0 {
		own = md.annots[0]
	}
	writes := q.analysis.Writes()
	at := md.field.Pos()
	text := ""
	if own != nil {
		at, text = own.Slash, own.Text
	}
	isRead := own != nil && !hasOption(text, "invalidate")
	switch {
	case isRead && len(writes) > 0:
		a.r.errorf(at, "%s runs sqlc query %s, which writes %s: a query that writes cannot be cached; drop its cache: line (cachegen invalidates what it writes)", fn.Name(), q.name, writes[0].Table)
		return nil, false
	case isRead:
		text = withNamespaces(text, a.sqlcNamespaces(m, q, q.analysis.Reads(), false))
	case len(writes) > 0 && (own == nil || hasOption(text, "namespace")):
		if own == nil {
			text = annotationPrefix + "invalidate"
		}
		text = withNamespaces(text, a.sqlcNamespaces(m, q, writes, true))
	}
	ex.Annotation = text
	if text == "" {
		return md.annots, true
	}
	lines := []*ast.Comment{{Slash: at, Text: text}}
	if len(md.annots) > 1 {
		lines = append(lines, md.annots[1:]...)
	}
	return lines, true
}

// hasOption reports whether an annotation line has the option name.
func hasOption(text, name string) bool {
	for _, f := range fields(strings.TrimPrefix(text, annotationPrefix)) {
		if n, _, _ := strings.Cut(f.text, "="); n == name {
			return true
		}
	}
	return false
}

// withNamespaces returns the annotation line with the inferred namespaces
// added after those its namespace= lists (or as a namespace= of its own, at
// the end). The user's text keeps its offsets, so that a problem found in it
// is reported at its place on the line.
func withNamespaces(text string, inferred []string) string {
	if len(inferred) == 0 {
		return text
	}
	body := strings.TrimPrefix(text, annotationPrefix)
	for _, f := range fields(body) {
		v, ok := strings.CutPrefix(f.text, "namespace=")
		if !ok {
			continue
		}
		list := strings.Split(v, ",")
		var extra []string
		for _, ns := range inferred {
			if !slices.Contains(list, ns) {
				extra = append(extra, ns)
			}
		}
		if len(extra) == 0 {
			return text
		}
		sep := ","
		if v == "" || strings.HasSuffix(v, ",") {
			sep = ""
		}
		end := len(annotationPrefix) + f.off + len(f.text)
		return text[:end] + sep + strings.Join(extra, ",") + text[end:]
	}
	return strings.TrimRight(text, " \t") + " namespace=" + strings.Join(inferred, ",")
}

// sqlcNamespaces returns the namespaces of the tables a query uses: of a
// read, table:{key} for a row its WHERE pins, table.all for any other;
// of a write, table:{key} and table.all for a row it pins, table (the
// family: every row) and table.all otherwise.
func (a *analyzer) sqlcNamespaces(m *Method, q *sqlcQuery, uses []sqlcquery.Use, write bool) []string {
	var out []string
	add := func(ns string) {
		if !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	for _, u := range uses {
		member := ""
		if u.Key != nil {
			member = a.sqlcMember(m, q, u)
		}
		table := tableNamespace(u.Table)
		switch {
		case member != "":
			add(table + ":" + member)
			if write {
				add(table + ".all")
			}
		case write:
			add(table)
			add(table + ".all")
		default:
			add(table + ".all")
		}
	}
	return out
}

// tableNamespace returns the namespace of a table: its name, with each
// character a namespace or an annotation cannot hold (a quoted
// identifier's space, comma, brace...) written as '_'. Two tables whose
// names differ only there share a namespace, which only invalidates more.
func tableNamespace(table string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', ',', '=', '{', '}', '*', '?', '[', ']', '"', '`':
			return '_'
		}
		if r < 0x20 || r == 0x7f || unicode.IsSpace(r) {
			return '_'
		}
		return r
	}, table)
}

// sqlcMember returns the template members, {id} or {arg.BookID}:{arg.N},
// naming the row a query pins in the Go method m, or "" when one of its
// values has no name there (the use is then taken as the whole table's).
//
// On MySQL a text value names no member: under the default collations
// 'ABC' = 'abc' and 'a' = 'a ' find the same row, whose members would
// differ.
func (a *analyzer) sqlcMember(m *Method, q *sqlcQuery, u sqlcquery.Use) string {
	var parts []string
	for _, v := range u.Key {
		path, typ := a.sqlcValue(m, q, v)
		if path == "" || a.sqlcEngine() == sqlcquery.MySQL && isText(typ) {
			return ""
		}
		parts = append(parts, "{"+path+"}")
	}
	return strings.Join(parts, ":")
}

// sqlcEngine returns the engine of the package's sqlc queries.
func (a *analyzer) sqlcEngine() sqlcquery.Engine { return a.sqlcInfo().setup.engine }

// isText reports whether t holds text: a string, a []byte, or a type
// over one (sql.NullString's String field is a string too).
func isText(t types.Type) bool {
	if t == nil {
		return false
	}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return u.Info()&types.IsString != 0
	case *types.Slice:
		b, ok := u.Elem().Underlying().(*types.Basic)
		return ok && b.Kind() == types.Byte
	}
	return false
}

// sqlcValue returns the Go path of one value in m, and its type: the
// parameter sqlc passes $n as (a parameter of its own when the query has
// one, else the n-th field of its Params struct, when the struct has a
// field per parameter: MySQL's named parameter used twice is two ?s and one
// field), or the returned row's field.
func (a *analyzer) sqlcValue(m *Method, q *sqlcQuery, v sqlcquery.Value) (string, types.Type) {
	var params []*Param
	for _, p := range m.Params {
		if !isContext(p.Type) {
			params = append(params, p)
		}
	}
	switch {
	case v.Param > 0:
		if len(params) != 1 || params[0].Name == "" || params[0].Name == "_" {
			return "", nil
		}
		p := params[0]
		st, isStruct := p.Type.Underlying().(*types.Struct)
		named, _ := types.Unalias(p.Type).(*types.Named)
		if isStruct && named != nil && strings.HasSuffix(named.Obj().Name(), "Params") {
			if v.Param > st.NumFields() || q.analysis.Params != st.NumFields() {
				return "", nil
			}
			f := st.Field(v.Param - 1)
			return p.Name + "." + f.Name(), f.Type()
		}
		return p.Name, p.Type
	case v.Column != "":
		// The returned row: of :one and :exec... with RETURNING read into
		// a value. Not :execrows or :execresult (a count, a sql.Result),
		// nor :many (several rows).
		if m.Values() != 1 || q.cmd == ":execrows" || q.cmd == ":execresult" {
			return "", nil
		}
		t := m.Results[0]
		if ptr, ok := t.Underlying().(*types.Pointer); ok {
			t = ptr.Elem()
		}
		switch u := t.Underlying().(type) {
		case *types.Slice, *types.Array, *types.Map:
			return "", nil
		case *types.Struct:
			want := strings.ReplaceAll(strings.ToLower(v.Column), "_", "")
			for f := range u.Fields() {
				if strings.ToLower(f.Name()) == want {
					return ResultWord + "." + f.Name(), f.Type()
				}
			}
			return "", nil
		}
		return ResultWord, t
	case v.LastInsertID:
		if q.cmd == ":execlastid" && m.Values() == 1 {
			return ResultWord, m.Results[0]
		}
	}
	return "", nil
}

// selectedExplanations returns the explanations of the selected
// interfaces' methods.
func (a *analyzer) selectedExplanations() []Explanation {
	selected := map[string]bool{}
	for _, d := range a.decls {
		selected[d.spec.Name.Name] = d.selected
	}
	var out []Explanation
	for _, ex := range a.explained {
		if selected[ex.Interface] {
			out = append(out, ex)
		}
	}
	return out
}
