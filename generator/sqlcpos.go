package generator

import (
	"bytes"
	"os"
	"regexp"
	"strings"
)

// sqlcPositions moves the diagnostics positioned in the Go files sqlc
// generated to the lines of the .sql files they come from, which are the
// ones to edit: an annotation to the same option on its line in the query's
// comment, and a query's constant or Querier method to its "-- name:" line.
// A position with no such line found (a query file missing, say) stays.
func (a *analyzer) sqlcPositions(ds Diagnostics) Diagnostics {
	sqlcFiles := map[string]bool{}
	for _, f := range a.pkg.Syntax {
		if isSqlcFile(f) {
			sqlcFiles[a.pkg.Fset.Position(f.Pos()).Filename] = true
		}
	}
	if len(sqlcFiles) == 0 {
		return ds
	}
	var queries *sqlcSources
	for i, d := range ds {
		if !sqlcFiles[d.Pos.Filename] {
			continue
		}
		if queries == nil {
			queries = &sqlcSources{queries: a.sqlcInfo().setup.queries, text: map[string][]string{}}
		}
		if p, ok := queries.position(d.Pos.Filename, d.Pos.Line, d.Pos.Column); ok {
			ds[i].Pos.Filename, ds[i].Pos.Line, ds[i].Pos.Column, ds[i].Pos.Offset = p.file, p.line, p.column, 0
		}
	}
	return ds
}

// sqlcSources is the text of a package's sqlc query files, and of the Go
// files read to map their positions.
type sqlcSources struct {
	queries []string            // the query files, in sqlc's configuration order
	text    map[string][]string // a file's lines
}

// sqlPosition is a position in a query file.
type sqlPosition struct {
	file         string
	line, column int
}

// lines returns the lines of file, or nil if it cannot be read.
func (s *sqlcSources) lines(file string) []string {
	if l, ok := s.text[file]; ok {
		return l
	}
	b, err := os.ReadFile(file)
	var l []string
	if err == nil {
		l = strings.Split(string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))), "\n")
	}
	s.text[file] = l
	return l
}

// annotationName is how an annotation starts after its comment marker,
// the same in Go (//cache:) and in sqlc's .sql files (--cache:, -- cache:,
// #cache:).
const annotationName = "cache:"

var (
	// sqlcNameLine matches a query's first line, in a .sql file or in the
	// constant sqlc declares for it.
	sqlcNameLine = regexp.MustCompile(`--\s*name:\s*(\w+)\s`)
	// goMethodLine matches the line declaring a method: of an interface,
	// or func (q *Queries) Name(.
	goMethodLine = regexp.MustCompile(`^\s*(?:func\s*\([^)]*\)\s*)?(\w+)\(`)
)

// position returns where in the query files the text at line and column
// of the Go file goFile (1-based, in bytes) was written.
func (s *sqlcSources) position(goFile string, line, column int) (sqlPosition, bool) {
	goLines := s.lines(goFile)
	if line < 1 || line > len(goLines) {
		return sqlPosition{}, false
	}
	text := goLines[line-1]
	if m := sqlcNameLine.FindStringSubmatch(text); m != nil {
		return s.nameLine(m[1])
	}
	trimmed := strings.TrimSpace(text)
	if !strings.HasPrefix(trimmed, "//") {
		if m := goMethodLine.FindStringSubmatch(text); m != nil {
			return s.nameLine(m[1])
		}
		return sqlPosition{}, false
	}
	// A comment line: sqlc copied it from the query's comment. The
	// method it documents follows the comment.
	at := strings.Index(text, annotationName)
	if at < 0 {
		return sqlPosition{}, false
	}
	for _, next := range goLines[line:] {
		if strings.HasPrefix(strings.TrimSpace(next), "//") {
			continue
		}
		m := goMethodLine.FindStringSubmatch(next)
		if m == nil {
			return sqlPosition{}, false
		}
		p, ok := s.nameLine(m[1])
		if !ok {
			return p, false
		}
		return s.commentLine(p, strings.TrimRight(text[at:], " \t"), column-1-at)
	}
	return sqlPosition{}, false
}

// nameLine returns the position of the "-- name: <name>" line of the query
// name.
func (s *sqlcSources) nameLine(name string) (sqlPosition, bool) {
	for _, f := range s.queries {
		for i, l := range s.lines(f) {
			if m := sqlcNameLine.FindStringSubmatchIndex(l + "\n"); m != nil && l[m[2]:m[3]] == name {
				return sqlPosition{file: f, line: i + 1, column: m[0] + 1}, true
			}
		}
	}
	return sqlPosition{}, false
}

// commentLine returns the position in the comment below the query's name
// line at p of the annotation text (from "cache:" on), delta bytes into it
// (before it, when negative: at the comment's start).
func (s *sqlcSources) commentLine(p sqlPosition, text string, delta int) (sqlPosition, bool) {
	lines := s.lines(p.file)
	for i := p.line; i < len(lines); i++ {
		l := lines[i]
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "--") && !strings.HasPrefix(t, "#") {
			break
		}
		at := strings.Index(l, annotationName)
		if at < 0 || strings.TrimRight(l[at:], " \t") != text {
			continue
		}
		col := at + 1 + delta
		if delta < 0 {
			col = len(l) - len(strings.TrimLeft(l, " \t")) + 1
		}
		return sqlPosition{file: p.file, line: i + 1, column: col}, true
	}
	return p, true
}
