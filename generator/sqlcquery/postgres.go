package sqlcquery

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	pgquery "github.com/wasilibs/go-pgquery"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// pgParse parses PostgreSQL source with PostgreSQL's own parser.
func pgParse(sql string) ([]*pg.RawStmt, error) {
	res, err := pgquery.Parse(sql)
	if err != nil {
		return nil, err
	}
	return res.GetStmts(), nil
}

// pgRefs returns the table references of one PostgreSQL query, and the
// number of its parameters (its highest $n).
func pgRefs(sql string) ([]*ref, int, error) {
	stmts, err := pgParse(sql)
	if err != nil {
		return nil, 0, err
	}
	w := &pgWalker{ctes: map[string]bool{}, byVar: map[*pg.RangeVar]*ref{}}
	for _, s := range stmts {
		walkProto(s.GetStmt(), w.visit)
	}
	for _, s := range stmts {
		w.top = s.GetStmt()
		walkProto(s.GetStmt(), w.statement)
		if !pgDML(s.GetStmt()) {
			// TRUNCATE, MERGE, REFRESH MATERIALIZED VIEW, COPY...: every
			// table it names is written.
			walkProto(s.GetStmt(), func(m protoreflect.ProtoMessage) {
				if rv, ok := m.(*pg.RangeVar); ok && w.byVar[rv] != nil {
					w.byVar[rv].kind = kindOther
				}
			})
		}
	}
	var out []*ref
	for _, rv := range w.vars {
		r := w.byVar[rv]
		r.cte = rv.GetSchemaname() == "" && w.ctes[rv.GetRelname()]
		out = append(out, r)
	}
	return out, w.params, nil
}

// pgDML reports whether a statement is a SELECT, INSERT, UPDATE or DELETE,
// whose tables the walker tells reads and writes of.
func pgDML(n *pg.Node) bool {
	switch n.GetNode().(type) {
	case *pg.Node_SelectStmt, *pg.Node_InsertStmt, *pg.Node_UpdateStmt, *pg.Node_DeleteStmt:
		return true
	}
	return false
}

type pgWalker struct {
	ctes   map[string]bool
	vars   []*pg.RangeVar
	byVar  map[*pg.RangeVar]*ref
	top    *pg.Node // the statement being walked: only its RETURNING is the method's result
	params int      // the highest $n seen
}

// returning returns the columns of list when stmt is the top statement:
// the rows a write inside a CTE returns are not the query's.
func (w *pgWalker) returning(stmt protoreflect.ProtoMessage, list []*pg.Node) []string {
	if w.top == nil {
		return nil
	}
	switch n := w.top.GetNode().(type) {
	case *pg.Node_InsertStmt:
		if n.InsertStmt == stmt {
			return pgColumns(list)
		}
	case *pg.Node_UpdateStmt:
		if n.UpdateStmt == stmt {
			return pgColumns(list)
		}
	case *pg.Node_DeleteStmt:
		if n.DeleteStmt == stmt {
			return pgColumns(list)
		}
	}
	return nil
}

// visit collects every table reference and CTE name.
func (w *pgWalker) visit(m protoreflect.ProtoMessage) {
	switch n := m.(type) {
	case *pg.RangeVar:
		w.vars = append(w.vars, n)
		w.byVar[n] = &ref{table: n.GetRelname(), alias: n.GetAlias().GetAliasname(), eq: map[string]int{}}
	case *pg.CommonTableExpr:
		w.ctes[n.GetCtename()] = true
	case *pg.ParamRef:
		w.params = max(w.params, int(n.GetNumber()))
	}
}

// statement marks writes and the conditions pinning each statement's
// tables.
func (w *pgWalker) statement(m protoreflect.ProtoMessage) {
	switch n := m.(type) {
	case *pg.SelectStmt:
		w.pin(n.GetFromClause(), nil, n.GetWhereClause())
	case *pg.InsertStmt:
		r := w.byVar[n.GetRelation()]
		if r == nil {
			return
		}
		r.kind = kindInsert
		r.returning = w.returning(n, n.GetReturningList())
		for _, c := range n.GetCols() {
			r.inserted = append(r.inserted, c.GetResTarget().GetName())
		}
		if oc := n.GetOnConflictClause(); oc != nil {
			r.upsert = true
			r.setCols = pgTargets(oc.GetTargetList())
		}
		sel := n.GetSelectStmt().GetSelectStmt()
		if sel == nil || len(sel.GetValuesLists()) != 1 {
			r.multi = true
			return
		}
		for i, v := range sel.GetValuesLists()[0].GetList().GetItems() {
			if p := pgParam(v); p > 0 && i < len(r.inserted) {
				r.eq[r.inserted[i]] = p
			}
		}
	case *pg.UpdateStmt:
		if r := w.byVar[n.GetRelation()]; r != nil {
			r.kind = kindUpdate
			r.returning = w.returning(n, n.GetReturningList())
			r.setCols = pgTargets(n.GetTargetList())
		}
		w.pin(n.GetFromClause(), n.GetRelation(), n.GetWhereClause())
	case *pg.DeleteStmt:
		if r := w.byVar[n.GetRelation()]; r != nil {
			r.kind = kindDelete
			r.returning = w.returning(n, n.GetReturningList())
		}
		w.pin(n.GetUsingClause(), n.GetRelation(), n.GetWhereClause())
	}
}

// pin records the WHERE's conjuncts col = $n on the tables of a FROM.
func (w *pgWalker) pin(from []*pg.Node, target *pg.RangeVar, where *pg.Node) {
	var tables []*ref
	if target != nil && w.byVar[target] != nil {
		tables = append(tables, w.byVar[target])
	}
	var walkFrom func(n *pg.Node)
	walkFrom = func(n *pg.Node) {
		switch {
		case n.GetRangeVar() != nil:
			if r := w.byVar[n.GetRangeVar()]; r != nil {
				tables = append(tables, r)
			}
		case n.GetJoinExpr() != nil:
			walkFrom(n.GetJoinExpr().GetLarg())
			walkFrom(n.GetJoinExpr().GetRarg())
		}
	}
	for _, n := range from {
		walkFrom(n)
	}
	for _, c := range pgConjuncts(where) {
		e := c.GetAExpr()
		if e == nil || e.GetKind() != pg.A_Expr_Kind_AEXPR_OP || len(e.GetName()) != 1 || e.GetName()[0].GetString_().GetSval() != "=" {
			continue
		}
		col, param := e.GetLexpr(), e.GetRexpr()
		if pgParam(col) > 0 {
			col, param = param, col
		}
		p := pgParam(param)
		names := pgColumnRef(col)
		if p == 0 || names == nil {
			continue
		}
		if r := owner(tables, names); r != nil {
			r.eq[names[len(names)-1]] = p
		}
	}
}

// owner returns the table of tables that a column reference (qualified or
// not) names: its qualifier's, or the only one.
func owner(tables []*ref, names []string) *ref {
	if len(names) == 1 {
		if len(tables) == 1 {
			return tables[0]
		}
		return nil
	}
	q := names[len(names)-2]
	var found *ref
	for _, r := range tables {
		if r.alias == q || r.alias == "" && r.table == q {
			if found != nil {
				return nil
			}
			found = r
		}
	}
	return found
}

// pgConjuncts returns the terms of a WHERE's top-level AND.
func pgConjuncts(n *pg.Node) []*pg.Node {
	if n == nil {
		return nil
	}
	if b := n.GetBoolExpr(); b != nil {
		if b.GetBoolop() != pg.BoolExprType_AND_EXPR {
			return nil
		}
		var out []*pg.Node
		for _, a := range b.GetArgs() {
			out = append(out, pgConjuncts(a)...)
		}
		return out
	}
	return []*pg.Node{n}
}

// pgParam returns the number of the parameter n is ($1, or $1::bigint),
// or 0.
func pgParam(n *pg.Node) int {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.GetArg()
	}
	if p := n.GetParamRef(); p != nil {
		return int(p.GetNumber())
	}
	return 0
}

// pgColumnRef returns the names of a column reference, or nil.
func pgColumnRef(n *pg.Node) []string {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.GetArg()
	}
	cr := n.GetColumnRef()
	if cr == nil {
		return nil
	}
	var names []string
	for _, f := range cr.GetFields() {
		s := f.GetString_()
		if s == nil {
			return nil
		}
		names = append(names, s.GetSval())
	}
	return names
}

// pgColumns returns the columns of a RETURNING list; "*" for all.
func pgColumns(list []*pg.Node) []string {
	var out []string
	for _, n := range list {
		cr := n.GetResTarget().GetVal().GetColumnRef()
		if cr == nil {
			continue
		}
		fields := cr.GetFields()
		last := fields[len(fields)-1]
		if last.GetAStar() != nil {
			out = append(out, "*")
		} else if s := last.GetString_(); s != nil {
			out = append(out, s.GetSval())
		}
	}
	return out
}

// pgTargets returns the columns of a SET list.
func pgTargets(list []*pg.Node) []string {
	var out []string
	for _, n := range list {
		if rt := n.GetResTarget(); rt != nil {
			out = append(out, rt.GetName())
		}
	}
	return out
}

// walkProto calls visit on m and on every message below it.
func walkProto(m protoreflect.ProtoMessage, visit func(protoreflect.ProtoMessage)) {
	if m == nil {
		return
	}
	r := m.ProtoReflect()
	if !r.IsValid() {
		return
	}
	visit(m)
	// Fields are walked in declaration order, not with r.Range, whose
	// order protobuf leaves undefined (and varies between runs): the
	// tables of a query must come out in the same order every time.
	fields := r.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Message() == nil || fd.IsMap() || !r.Has(fd) {
			continue
		}
		v := r.Get(fd)
		if fd.IsList() {
			l := v.List()
			for j := range l.Len() {
				walkProto(l.Get(j).Message().Interface(), visit)
			}
			continue
		}
		walkProto(v.Message().Interface(), visit)
	}
}

// pgSchema reads the CREATE TABLE, CREATE VIEW and ALTER TABLE statements
// of sql into s.
func pgSchema(sql string, s *Schema) error {
	stmts, err := pgParse(sql)
	if err != nil {
		return err
	}
	for _, raw := range stmts {
		n := raw.GetStmt()
		if v := n.GetViewStmt(); v != nil {
			refs, _ := pgRefsOf(v.GetQuery())
			var tables []string
			for _, r := range refs {
				tables = append(tables, r.table)
			}
			s.Views[v.GetView().GetRelname()] = tables
			continue
		}
		if at := n.GetAlterTableStmt(); at != nil {
			// A migration's ALTER TABLE ... ADD CONSTRAINT (a foreign key
			// or the primary key) or ADD COLUMN.
			t := s.table(at.GetRelation().GetRelname())
			for _, c := range at.GetCmds() {
				def := c.GetAlterTableCmd().GetDef()
				if cd := def.GetColumnDef(); cd != nil {
					t.Columns = append(t.Columns, cd.GetColname())
					for _, cc := range cd.GetConstraints() {
						pgConstraint(s, t, cc.GetConstraint(), []string{cd.GetColname()})
					}
				}
				pgConstraint(s, t, def.GetConstraint(), nil)
			}
			continue
		}
		cs := n.GetCreateStmt()
		if cs == nil {
			continue
		}
		t := s.table(cs.GetRelation().GetRelname())
		for _, e := range cs.GetTableElts() {
			if cd := e.GetColumnDef(); cd != nil {
				t.Columns = append(t.Columns, cd.GetColname())
				for _, c := range cd.GetConstraints() {
					pgConstraint(s, t, c.GetConstraint(), []string{cd.GetColname()})
				}
			}
			if c := e.GetConstraint(); c != nil {
				pgConstraint(s, t, c, nil)
			}
		}
	}
	return nil
}

// pgRefsOf returns the references of an already parsed statement.
func pgRefsOf(n *pg.Node) ([]*ref, error) {
	w := &pgWalker{ctes: map[string]bool{}, byVar: map[*pg.RangeVar]*ref{}}
	walkProto(n, w.visit)
	var out []*ref
	for _, rv := range w.vars {
		if !w.ctes[rv.GetRelname()] {
			out = append(out, w.byVar[rv])
		}
	}
	return out, nil
}

// pgConstraint records a primary key or a foreign key of t; cols are the
// columns of a column constraint.
func pgConstraint(s *Schema, t *Table, c *pg.Constraint, cols []string) {
	if c == nil {
		return
	}
	switch c.GetContype() {
	case pg.ConstrType_CONSTR_PRIMARY:
		if keys := pgNames(c.GetKeys()); len(keys) > 0 {
			cols = keys
		}
		t.PrimaryKey = cols
	case pg.ConstrType_CONSTR_FOREIGN:
		if attrs := pgNames(c.GetFkAttrs()); len(attrs) > 0 {
			cols = attrs
		}
		// 'c' cascade, 'n' set null, 'd' set default; 'a' no action, 'r' restrict.
		acts := func(a string) bool { return strings.ContainsAny(a, "cnd") }
		s.addForeignKey(c.GetPktable().GetRelname(), ForeignKey{
			Table: t.Name, Columns: cols, RefColumns: pgNames(c.GetPkAttrs()),
			OnDelete: acts(c.GetFkDelAction()), OnUpdate: acts(c.GetFkUpdAction()),
		})
	}
}

func pgNames(list []*pg.Node) []string {
	var out []string
	for _, n := range list {
		out = append(out, n.GetString_().GetSval())
	}
	return out
}
