// Package sqlcquery knows what sqlc queries do to the tables of their
// schema: it parses each query with a real SQL parser of its engine
// (PostgreSQL's own, compiled to WebAssembly and run in pure Go by
// wazero, through github.com/wasilibs/go-pgquery; TiDB's MySQL parser) and
// tells which tables a query reads and writes, and which rows, when its
// WHERE (or the row it inserts or returns) pins a table's primary key to a
// parameter. The generator turns that into the //cache: annotations a
// careful user would write.
package sqlcquery

import (
	"fmt"
	"slices"
	"strings"
)

// Engine is a database engine, as sqlc's configuration names it.
type Engine string

// The engines cachegen reads queries of.
const (
	PostgreSQL Engine = "postgresql"
	MySQL      Engine = "mysql"
)

// Schema is what cachegen knows of the tables: their primary keys and the
// foreign keys whose actions change other tables.
type Schema struct {
	Tables map[string]*Table
	Views  map[string][]string // a view's name -> the tables it reads
}

// Table is one table of a schema.
type Table struct {
	Name          string
	Columns       []string
	PrimaryKey    []string
	AutoIncrement bool         // the primary key is one column the database numbers (MySQL's AUTO_INCREMENT)
	Children      []ForeignKey // foreign keys of other tables that refer to this one with an action
}

// ForeignKey is a foreign key of Table referring to another table whose
// ON DELETE or ON UPDATE action (CASCADE, SET NULL, SET DEFAULT) changes
// Table's rows when the referred rows are deleted or their keys updated.
type ForeignKey struct {
	Table      string
	Columns    []string // Table's columns that are set or deleted
	RefColumns []string // the referred columns; none means the primary key
	OnDelete   bool
	OnUpdate   bool
}

// NewSchema returns an empty schema.
func NewSchema() *Schema {
	return &Schema{Tables: map[string]*Table{}, Views: map[string][]string{}}
}

func (s *Schema) table(name string) *Table {
	t := s.Tables[name]
	if t == nil {
		t = &Table{Name: name}
		s.Tables[name] = t
	}
	return t
}

// link records the actions of the foreign keys on their referred tables.
func (s *Schema) addForeignKey(referred string, fk ForeignKey) {
	if fk.OnDelete || fk.OnUpdate {
		t := s.table(referred)
		t.Children = append(t.Children, fk)
	}
}

// Value is where a pinned key column's value comes from.
type Value struct {
	Param        int    // the query's parameter number ($1 is 1; MySQL's ?s in order), or 0
	Column       string // with Param 0: the column of the row the query returns
	LastInsertID bool   // with Param 0 and no Column: the id MySQL numbered
}

// String writes the value as --explain prints it.
func (v Value) String() string {
	switch {
	case v.Param > 0:
		return fmt.Sprintf("$%d", v.Param)
	case v.Column != "":
		return "returned " + v.Column
	}
	return "last insert id"
}

// Use is one table a query reads or writes.
type Use struct {
	Table string
	Write bool
	Key   []Value // per primary key column, when the query pins one row; nil for the whole table
	Why   string  // how a write reaches the table when the query does not name it: "ON DELETE CASCADE from authors"
}

// String writes the use as --explain prints it.
func (u Use) String() string {
	var b strings.Builder
	b.WriteString(u.Table)
	if u.Key != nil {
		parts := make([]string, len(u.Key))
		for i, v := range u.Key {
			parts[i] = v.String()
		}
		b.WriteString(" row " + strings.Join(parts, ","))
	} else {
		b.WriteString(" (whole table)")
	}
	if u.Why != "" {
		b.WriteString(" by " + u.Why)
	}
	return b.String()
}

// Query is what one query does to the schema's tables.
type Query struct {
	Uses []Use
	// Params is the number of the query's parameters: the highest $n of
	// PostgreSQL, MySQL's ?s (one per occurrence: a named parameter
	// repeated is two).
	Params int
}

// Reads returns the tables the query reads.
func (q *Query) Reads() []Use { return q.filter(false) }

// Writes returns the tables the query writes.
func (q *Query) Writes() []Use { return q.filter(true) }

func (q *Query) filter(write bool) []Use {
	var out []Use
	for _, u := range q.Uses {
		if u.Write == write {
			out = append(out, u)
		}
	}
	return out
}

// Analyze parses sql, one query of the engine, and tells what it does to
// the schema's tables.
func Analyze(engine Engine, sql string, schema *Schema) (*Query, error) {
	var refs []*ref
	var params int
	var err error
	switch engine {
	case PostgreSQL:
		refs, params, err = pgRefs(sql)
	case MySQL:
		refs, params, err = mysqlRefs(sql)
	default:
		return nil, fmt.Errorf("engine %q: cachegen reads postgresql and mysql queries", engine)
	}
	if err != nil {
		return nil, err
	}
	if schema == nil {
		schema = NewSchema()
	}
	q := resolve(engine, refs, schema)
	q.Params = params
	return q, nil
}

// Statement kinds of a ref.
const (
	kindRead = iota
	kindInsert
	kindUpdate
	kindDelete
	// kindOther is a table of a statement that is not a SELECT, INSERT,
	// UPDATE or DELETE (TRUNCATE, MERGE, REFRESH MATERIALIZED VIEW, COPY,
	// LOAD DATA...): taken as written, every row, as deleted and updated.
	kindOther
)

// ref is one reference to a table in a statement, as a parser found it.
type ref struct {
	table     string
	alias     string
	kind      int
	eq        map[string]int // column -> parameter: the WHERE's conjuncts col = $n, or an insert's values
	returning []string       // RETURNING's columns, "*" for all
	upsert    bool           // ON CONFLICT / ON DUPLICATE KEY, or REPLACE
	replace   bool           // MySQL's REPLACE deletes the row it replaces
	multi     bool           // several rows of VALUES, or INSERT ... SELECT
	setCols   []string       // the columns an update (or an upsert's update) sets
	inserted  []string       // the columns an insert names
	cte       bool           // unqualified, named as a CTE of the query: the CTE's rows, unless the schema has a table of that name
}

// resolve turns the refs into uses: views read their tables, writes pin
// their rows and reach the tables their foreign keys' actions change.
func resolve(engine Engine, refs []*ref, schema *Schema) *Query {
	q := &Query{}
	add := func(u Use) {
		for _, have := range q.Uses {
			if have.Table == u.Table && have.Write == u.Write && slices.Equal(have.Key, u.Key) {
				return
			}
		}
		q.Uses = append(q.Uses, u)
	}
	for _, r := range refs {
		if r.cte && schema.Tables[r.table] == nil && schema.Views[r.table] == nil {
			continue // the CTE's own rows
		}
		if tables := viewTables(schema, r.table); tables != nil {
			// A view: its tables, whole (a write through it, too: which
			// of their rows it reaches is not told).
			for _, name := range tables {
				if r.kind == kindRead {
					add(Use{Table: name})
					continue
				}
				add(Use{Table: name, Write: true})
				if t := schema.Tables[name]; t != nil {
					cascadeAny(schema, t, add)
				}
			}
			continue
		}
		t := schema.Tables[r.table]
		if r.kind == kindRead {
			add(Use{Table: r.table, Key: pinned(t, r)})
			continue
		}
		u := Use{Table: r.table, Write: true, Key: writeKey(engine, t, r)}
		add(u)
		if t == nil {
			continue
		}
		switch {
		case r.kind == kindOther:
			cascadeAny(schema, t, add)
		case r.kind == kindDelete || r.replace:
			cascade(schema, t, nil, true, add, 0)
		case r.kind == kindUpdate || r.upsert:
			cascade(schema, t, r.setCols, false, add, 0)
		}
	}
	return q
}

// viewTables returns the tables a view reads, through the views it reads
// (a view of a view), or nil for a name that is not a view's.
func viewTables(schema *Schema, name string) []string {
	if _, ok := schema.Views[name]; !ok {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	var expand func(string)
	expand = func(n string) {
		if seen[n] {
			return
		}
		seen[n] = true
		reads, ok := schema.Views[n]
		if !ok {
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
			return
		}
		for _, t := range reads {
			expand(t)
		}
	}
	expand(name)
	return out
}

// pinned returns the parameters a ref's conditions pin t's primary key
// to, or nil.
func pinned(t *Table, r *ref) []Value {
	if t == nil || len(t.PrimaryKey) == 0 {
		return nil
	}
	var key []Value
	for _, col := range t.PrimaryKey {
		p, ok := r.eq[col]
		if !ok {
			return nil
		}
		key = append(key, Value{Param: p})
	}
	return key
}

// writeKey returns the row a write changes, or nil when it may change
// others (or cannot be told).
func writeKey(engine Engine, t *Table, r *ref) []Value {
	if t == nil || len(t.PrimaryKey) == 0 || r.kind == kindOther {
		return nil
	}
	// The row an insert returns is the one it wrote (an upsert's too, unless
	// its update sets the key: the row it changed had another); an update or
	// a delete may return several rows, so it is pinned by its WHERE or not
	// at all.
	if r.kind == kindInsert && !r.multi && returned(t, r) && !setsKey(t, r) {
		var key []Value
		for _, col := range t.PrimaryKey {
			key = append(key, Value{Column: col})
		}
		return key
	}
	switch r.kind {
	case kindInsert:
		if r.multi || r.upsert {
			return nil
		}
		if key := pinned(t, r); key != nil {
			return key
		}
		if engine == MySQL && t.AutoIncrement && !slices.Contains(r.inserted, t.PrimaryKey[0]) {
			return []Value{{LastInsertID: true}}
		}
		return nil
	case kindUpdate:
		if setsKey(t, r) {
			return nil
		}
	}
	return pinned(t, r)
}

// setsKey reports whether an update (or an upsert's update) sets a column
// of t's primary key.
func setsKey(t *Table, r *ref) bool {
	for _, c := range r.setCols {
		if slices.Contains(t.PrimaryKey, c) {
			return true
		}
	}
	return false
}

// returned reports whether the write returns t's primary key.
func returned(t *Table, r *ref) bool {
	if slices.Contains(r.returning, "*") {
		return true
	}
	for _, col := range t.PrimaryKey {
		if !slices.Contains(r.returning, col) {
			return false
		}
	}
	return len(r.returning) > 0
}

// cascadeAny adds the tables that t's children's foreign key actions change
// when a write of t may delete its rows or update any of its columns.
func cascadeAny(schema *Schema, t *Table, add func(Use)) {
	cascade(schema, t, t.Columns, false, add, 0)
	cascade(schema, t, nil, true, add, 0)
}

// cascade adds the tables that t's children's foreign key actions change
// when rows of t are deleted (del) or the columns set are updated.
func cascade(schema *Schema, t *Table, set []string, del bool, add func(Use), depth int) {
	if depth > len(schema.Tables) {
		return
	}
	for _, fk := range t.Children {
		refCols := fk.RefColumns
		if len(refCols) == 0 {
			refCols = t.PrimaryKey
		}
		action := ""
		switch {
		case del && fk.OnDelete:
			action = "ON DELETE"
		case !del && fk.OnUpdate && slices.ContainsFunc(set, func(c string) bool { return slices.Contains(refCols, c) }):
			action = "ON UPDATE"
		default:
			continue
		}
		add(Use{Table: fk.Table, Write: true, Why: action + " of a foreign key to " + t.Name})
		if child := schema.Tables[fk.Table]; child != nil {
			// A child deleted by CASCADE cascades as a delete; one whose
			// key columns are set (SET NULL) as an update of them.
			cascade(schema, child, fk.Columns, false, add, depth+1)
			if del {
				cascade(schema, child, nil, true, add, depth+1)
			}
		}
	}
}
