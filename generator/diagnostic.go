package generator

import (
	"cmp"
	"fmt"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
)

// Diagnostic is one problem found in the input, at a position.
type Diagnostic struct {
	Pos     token.Position
	Message string
	Warning bool // a warning: it does not stop generation
}

// Format returns the diagnostic as "file:line:col: message" (a warning's
// message starting with "warning: "), with the file
// relative to dir when it lies below it, or as the message alone when it has
// no position.
func (d Diagnostic) Format(dir string) string {
	msg := d.Message
	if d.Warning {
		msg = "warning: " + msg
	}
	if d.Pos.Filename == "" {
		return msg
	}
	return formatPos(dir, d.Pos) + ": " + msg
}

// formatPos returns p as "file:line:col", with the file relative to dir
// when it lies below it.
func formatPos(dir string, p token.Position) string {
	file := p.Filename
	if dir != "" && file != "" {
		if rel, err := filepath.Rel(dir, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	return fmt.Sprintf("%s:%d:%d", file, p.Line, p.Column)
}

// Diagnostics is every problem of one run, an error when not empty.
type Diagnostics []Diagnostic

// Error implements error: one diagnostic a line, paths as they are.
func (ds Diagnostics) Error() string {
	lines := make([]string, len(ds))
	for i, d := range ds {
		lines[i] = d.Format("")
	}
	return strings.Join(lines, "\n")
}

// sort orders diagnostics by file, line, column and message, and drops
// duplicates.
func (ds Diagnostics) sort() Diagnostics {
	slices.SortFunc(ds, func(a, b Diagnostic) int {
		return cmp.Or(
			cmp.Compare(a.Pos.Filename, b.Pos.Filename),
			cmp.Compare(a.Pos.Line, b.Pos.Line),
			cmp.Compare(a.Pos.Column, b.Pos.Column),
			cmp.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(ds)
}

// reporter collects diagnostics.
type reporter struct {
	fset  *token.FileSet
	diags Diagnostics
}

func (r *reporter) errorf(pos token.Pos, format string, args ...any) {
	r.diags = append(r.diags, Diagnostic{Pos: r.fset.Position(pos), Message: fmt.Sprintf(format, args...)})
}

func (r *reporter) warnf(pos token.Pos, format string, args ...any) {
	r.diags = append(r.diags, Diagnostic{Pos: r.fset.Position(pos), Message: fmt.Sprintf(format, args...), Warning: true})
}

// errors counts the diagnostics that are not warnings.
func (ds Diagnostics) errors() int {
	n := 0
	for _, d := range ds {
		if !d.Warning {
			n++
		}
	}
	return n
}
