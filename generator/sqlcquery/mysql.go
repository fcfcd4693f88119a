package sqlcquery

import (
	"slices"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// mysqlParse parses MySQL source with TiDB's parser (the one sqlc uses).
func mysqlParse(sql string) ([]ast.StmtNode, error) {
	stmts, _, err := parser.New().Parse(sql, "", "")
	return stmts, err
}

// mysqlRefs returns the table references of one MySQL query, and the
// number of its parameters (its ?s).
func mysqlRefs(sql string) ([]*ref, int, error) {
	stmts, err := mysqlParse(sql)
	if err != nil {
		return nil, 0, err
	}
	var out []*ref
	params := 0
	for _, s := range stmts {
		refs, n := mysqlRefsOf(s)
		out, params = append(out, refs...), params+n
	}
	return out, params, nil
}

// mysqlRefsOf returns the references of a parsed statement, and the number
// of its ?s.
func mysqlRefsOf(s ast.Node) ([]*ref, int) {
	c := &mysqlCollector{ctes: map[string]bool{}, byName: map[*ast.TableName]*ref{}, aliases: map[*ast.TableName]string{}, params: map[*test_driver.ParamMarkerExpr]int{}}
	s.Accept(c)
	slices.SortFunc(c.markers, func(a, b *test_driver.ParamMarkerExpr) int { return a.Offset - b.Offset })
	for i, p := range c.markers {
		c.params[p] = i + 1
	}
	c.mark(s)
	var out []*ref
	for _, tn := range c.names {
		r := c.byName[tn]
		if r == nil {
			continue
		}
		r.cte = tn.Schema.O == "" && c.ctes[tn.Name.L]
		switch s.(type) {
		case *ast.SelectStmt, *ast.SetOprStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		default:
			// TRUNCATE, LOAD DATA...: every table it names is written.
			r.kind = kindOther
		}
		out = append(out, r)
	}
	return out, len(c.markers)
}

type mysqlCollector struct {
	ctes    map[string]bool
	names   []*ast.TableName
	byName  map[*ast.TableName]*ref
	aliases map[*ast.TableName]string
	stmts   []ast.Node
	markers []*test_driver.ParamMarkerExpr
	params  map[*test_driver.ParamMarkerExpr]int // the query's ?s, numbered in order from 1
}

// Enter collects table names, CTE names, aliases and the statements.
func (c *mysqlCollector) Enter(n ast.Node) (ast.Node, bool) {
	switch n := n.(type) {
	case *ast.TableSource:
		if tn, ok := n.Source.(*ast.TableName); ok {
			c.aliases[tn] = n.AsName.L
		}
	case *ast.TableName:
		c.names = append(c.names, n)
		c.byName[n] = &ref{table: n.Name.L, alias: c.aliases[n], eq: map[string]int{}}
	case *ast.CommonTableExpression:
		c.ctes[n.Name.L] = true
	case *test_driver.ParamMarkerExpr:
		c.markers = append(c.markers, n)
	case *ast.SelectStmt, *ast.InsertStmt, *ast.UpdateStmt, *ast.DeleteStmt:
		c.stmts = append(c.stmts, n)
	}
	return n, false
}

// Leave implements ast.Visitor.
func (c *mysqlCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// mark marks the writes and the conditions pinning each statement's
// tables.
func (c *mysqlCollector) mark(ast.Node) {
	for _, s := range c.stmts {
		switch n := s.(type) {
		case *ast.SelectStmt:
			c.pin(c.from(n.From), n.Where)
		case *ast.InsertStmt:
			tables := c.from(n.Table)
			if len(tables) == 0 {
				continue
			}
			r := tables[0]
			r.kind = kindInsert
			r.upsert, r.replace = len(n.OnDuplicate) > 0 || n.IsReplace, n.IsReplace
			for _, a := range n.OnDuplicate {
				r.setCols = append(r.setCols, a.Column.Name.L)
			}
			if n.Setlist {
				for _, col := range n.Columns {
					r.inserted = append(r.inserted, col.Name.L)
				}
			}
			for _, col := range n.Columns {
				if !n.Setlist {
					r.inserted = append(r.inserted, col.Name.L)
				}
			}
			if n.Select != nil || len(n.Lists) != 1 {
				r.multi = true
				continue
			}
			for i, v := range n.Lists[0] {
				if p := c.param(v); p > 0 && i < len(r.inserted) {
					r.eq[r.inserted[i]] = p
				}
			}
		case *ast.UpdateStmt:
			tables := c.from(n.TableRefs)
			for _, r := range tables {
				for _, a := range n.List {
					// An unqualified column of a multi-table update: any of
					// them may hold it.
					if len(tables) == 1 || a.Column.Table.L == "" || a.Column.Table.L == r.alias || a.Column.Table.L == r.table && r.alias == "" {
						r.kind = kindUpdate
						r.setCols = append(r.setCols, a.Column.Name.L)
					}
				}
			}
			c.pin(tables, n.Where)
		case *ast.DeleteStmt:
			tables := c.from(n.TableRefs)
			switch {
			case n.IsMultiTable && n.Tables != nil:
				for _, tn := range n.Tables.Tables {
					for _, r := range tables {
						if r.alias == tn.Name.L || r.alias == "" && r.table == tn.Name.L {
							r.kind = kindDelete
						}
					}
					// The names in the DELETE list are not references of their own.
					delete(c.byName, tn)
				}
				c.names = c.without(n.Tables.Tables)
			case len(tables) > 0:
				tables[0].kind = kindDelete
			}
			c.pin(tables, n.Where)
		}
	}
}

// without returns c.names without names.
func (c *mysqlCollector) without(names []*ast.TableName) []*ast.TableName {
	var out []*ast.TableName
	for _, tn := range c.names {
		drop := false
		for _, d := range names {
			drop = drop || d == tn
		}
		if !drop {
			out = append(out, tn)
		}
	}
	return out
}

// from returns the refs of the tables a FROM (or a write's table list)
// names directly.
func (c *mysqlCollector) from(refs *ast.TableRefsClause) []*ref {
	if refs == nil {
		return nil
	}
	var out []*ref
	var walk func(n ast.ResultSetNode)
	walk = func(n ast.ResultSetNode) {
		switch n := n.(type) {
		case *ast.Join:
			walk(n.Left)
			if n.Right != nil {
				walk(n.Right)
			}
		case *ast.TableSource:
			walk(n.Source)
		case *ast.TableName:
			if r := c.byName[n]; r != nil {
				out = append(out, r)
			}
		}
	}
	walk(refs.TableRefs)
	return out
}

// pin records the WHERE's conjuncts col = ? on tables.
func (c *mysqlCollector) pin(tables []*ref, where ast.ExprNode) {
	for _, e := range mysqlConjuncts(where) {
		b, ok := e.(*ast.BinaryOperationExpr)
		if !ok || b.Op != opcode.EQ {
			continue
		}
		l, r := b.L, b.R
		if c.param(l) > 0 {
			l, r = r, l
		}
		col, ok := l.(*ast.ColumnNameExpr)
		p := c.param(r)
		if !ok || p == 0 {
			continue
		}
		names := []string{col.Name.Name.L}
		if col.Name.Table.L != "" {
			names = []string{col.Name.Table.L, col.Name.Name.L}
		}
		if t := owner(tables, names); t != nil {
			t.eq[col.Name.Name.L] = p
		}
	}
}

// mysqlConjuncts returns the terms of a WHERE's top-level AND.
func mysqlConjuncts(e ast.ExprNode) []ast.ExprNode {
	switch n := e.(type) {
	case nil:
		return nil
	case *ast.ParenthesesExpr:
		return mysqlConjuncts(n.Expr)
	case *ast.BinaryOperationExpr:
		if n.Op == opcode.LogicAnd {
			return append(mysqlConjuncts(n.L), mysqlConjuncts(n.R)...)
		}
	}
	return []ast.ExprNode{e}
}

// param returns the number of the parameter e is (the first ? is 1), or 0.
func (c *mysqlCollector) param(e ast.ExprNode) int {
	if p, ok := e.(*test_driver.ParamMarkerExpr); ok {
		return c.params[p]
	}
	return 0
}

// mysqlSchema reads the CREATE TABLE, CREATE VIEW and ALTER TABLE
// statements of sql into s.
func mysqlSchema(sql string, s *Schema) error {
	stmts, err := mysqlParse(sql)
	if err != nil {
		return err
	}
	for _, st := range stmts {
		switch n := st.(type) {
		case *ast.CreateViewStmt:
			var tables []string
			refs, _ := mysqlRefsOf(n.Select)
			for _, r := range refs {
				tables = append(tables, r.table)
			}
			s.Views[n.ViewName.Name.L] = tables
		case *ast.AlterTableStmt:
			// A migration's ALTER TABLE ... ADD CONSTRAINT (a foreign key
			// or the primary key).
			t := s.table(n.Table.Name.L)
			for _, spec := range n.Specs {
				if spec.Tp == ast.AlterTableAddConstraint && spec.Constraint != nil {
					mysqlConstraint(s, t, spec.Constraint)
				}
			}
		case *ast.CreateTableStmt:
			t := s.table(n.Table.Name.L)
			for _, col := range n.Cols {
				name := col.Name.Name.L
				t.Columns = append(t.Columns, name)
				auto := false
				for _, o := range col.Options {
					switch o.Tp {
					case ast.ColumnOptionPrimaryKey:
						t.PrimaryKey = []string{name}
					case ast.ColumnOptionAutoIncrement:
						auto = true
					case ast.ColumnOptionReference:
						mysqlForeignKey(s, t, []string{name}, o.Refer)
					}
				}
				if auto {
					defer func() { t.AutoIncrement = len(t.PrimaryKey) == 1 && t.PrimaryKey[0] == name }()
				}
			}
			for _, c := range n.Constraints {
				mysqlConstraint(s, t, c)
			}
		}
	}
	return nil
}

// mysqlConstraint records a table constraint of t: its primary key, or a
// foreign key.
func mysqlConstraint(s *Schema, t *Table, c *ast.Constraint) {
	var cols []string
	for _, k := range c.Keys {
		if k.Column != nil {
			cols = append(cols, k.Column.Name.L)
		}
	}
	switch c.Tp {
	case ast.ConstraintPrimaryKey:
		t.PrimaryKey = cols
	case ast.ConstraintForeignKey:
		mysqlForeignKey(s, t, cols, c.Refer)
	}
}

func mysqlForeignKey(s *Schema, t *Table, cols []string, refer *ast.ReferenceDef) {
	if refer == nil || refer.Table == nil {
		return
	}
	var refCols []string
	for _, k := range refer.IndexPartSpecifications {
		if k.Column != nil {
			refCols = append(refCols, k.Column.Name.L)
		}
	}
	acts := func(o ast.ReferOptionType) bool {
		return o == ast.ReferOptionCascade || o == ast.ReferOptionSetNull || o == ast.ReferOptionSetDefault
	}
	fk := ForeignKey{Table: t.Name, Columns: cols, RefColumns: refCols}
	if refer.OnDelete != nil {
		fk.OnDelete = acts(refer.OnDelete.ReferOpt)
	}
	if refer.OnUpdate != nil {
		fk.OnUpdate = acts(refer.OnUpdate.ReferOpt)
	}
	s.addForeignKey(refer.Table.Name.L, fk)
}

// ParseSchema reads the tables and views of a schema file of the engine
// into s. Statements other than CREATE TABLE, CREATE VIEW and ALTER TABLE
// are skipped.
func ParseSchema(engine Engine, sql string, s *Schema) error {
	if engine == MySQL {
		return mysqlSchema(sql, s)
	}
	return pgSchema(sql, s)
}
