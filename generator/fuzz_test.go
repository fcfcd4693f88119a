package generator

import (
	"go/ast"
	"go/token"
	"testing"
)

// FuzzParseAnnotation checks that no annotation text makes the parser panic,
// and that it either accepts a line with no diagnostic or rejects it with at
// least one, each at a position inside the line.
func FuzzParseAnnotation(f *testing.F) {
	for _, s := range []string{
		"expire=300 namespace=books",
		"expire=1h30m namespace=books,authors key=id,f",
		"invalidate",
		"invalidate namespace=a,b",
		"expir=300",
		"expire=-1 namespace=",
		"expire=300 namespace=bo{o}ks key=,,",
		"invalidate=x expire=1",
		"",
		"\t\t",
		"expire==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		text := annotationPrefix + body
		fset := token.NewFileSet()
		file := fset.AddFile("a.go", -1, len(text)+10)
		r := &reporter{fset: fset}
		a := parseAnnotation(r, &ast.Comment{Slash: token.Pos(file.Base()), Text: text})
		if (a == nil) == (len(r.diags) == 0) {
			t.Fatalf("%q: annotation %v with %d diagnostics", text, a, len(r.diags))
		}
		for _, d := range r.diags {
			if d.Pos.Line != 1 || d.Pos.Column < 1 || d.Pos.Column > len(text)+1 {
				t.Fatalf("%q: diagnostic outside the line: %s", text, d.Format(""))
			}
		}
		if a != nil && !a.invalidate && (a.expire <= 0 || len(a.namespaces) == 0) {
			t.Fatalf("%q: accepted a read without a TTL or a namespace: %+v", text, a)
		}
	})
}
