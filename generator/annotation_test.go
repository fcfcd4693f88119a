package generator

import (
	"go/ast"
	"go/token"
	"strings"
	"testing"
	"time"
)

// parse parses one annotation line placed at column 2 of line 1.
func parse(t *testing.T, text string) (*annotation, []string) {
	t.Helper()
	fset := token.NewFileSet()
	f := fset.AddFile("a.go", -1, 1000)
	r := &reporter{fset: fset}
	a := parseAnnotation(r, &ast.Comment{Slash: token.Pos(f.Base() + 1), Text: text})
	var msgs []string
	for _, d := range r.diags {
		msgs = append(msgs, d.Format(""))
	}
	return a, msgs
}

func TestParseAnnotation(t *testing.T) {
	a, msgs := parse(t, "//cache:expire=1h30m namespace=books,authors key=id,f")
	if len(msgs) > 0 || a.expire != 90*time.Minute || strings.Join(a.namespaces, ",") != "books,authors" || strings.Join(a.keys, ",") != "id,f" {
		t.Fatalf("got %+v, %v", a, msgs)
	}
	a, msgs = parse(t, "//cache:expire=60 namespace=users key=q.TenantID,q.Page,id")
	if len(msgs) > 0 || strings.Join(a.keys, ",") != "q.TenantID,q.Page,id" {
		t.Fatalf("field paths: %+v, %v", a, msgs)
	}
	a, msgs = parse(t, "//cache:invalidate")
	if len(msgs) > 0 || !a.invalidate || a.hasNS {
		t.Fatalf("got %+v, %v", a, msgs)
	}
	a, msgs = parse(t, "//cache:expire=300\tnamespace=books")
	if len(msgs) > 0 || a.expire != 300*time.Second {
		t.Fatalf("tab separated: %+v, %v", a, msgs)
	}
}

func TestParseAnnotationErrors(t *testing.T) {
	cases := []struct{ text, want string }{
		{"//cache:expire=300 namspace=books", `a.go:1:21: unknown option "namspace"; did you mean "namespace"?`},
		{"//cache:exp=300 namespace=books", `a.go:1:10: unknown option "exp"; did you mean "expire"?`},
		{"//cache:ttl=300 namespace=books", `unknown option "ttl"; the options are`},
		{"//cache:expire= namespace=books", "a.go:1:17: expire= needs a value"},
		{"//cache:expire=1.5 namespace=books", "bad expire=1.5"},
		{"//cache:expire=1ns namespace=books", "shorter than Redis's 1ms resolution"},
		{"//cache:expire=99999999999999999 namespace=books", "too long"},
		{"//cache:namespace=books", "missing expire="},
		{"//cache:expire=300 namespace=", "namespace= needs at least one namespace"},
		{"//cache:expire=300 namespace=a,b c", `unknown option "c"`},
		{"//cache:expire=300 namespace=a key=", "key= needs at least one parameter name"},
		{"//cache:expire=300 namespace=a key=1x", `"1x" is not one`},
		{"//cache:expire=300 namespace=a key=f..x", `"f..x" is not one`},
		{"//cache:expire=300 namespace=a key=f.", `"f." is not one`},
		{"//cache:invalidate=books", "invalidate takes no value"},
		{"//cache:invalidate key=id", "key= applies to cached reads"},
		{"//cache:", "empty annotation"},
	}
	for _, c := range cases {
		a, msgs := parse(t, c.text)
		if a != nil || len(msgs) == 0 || !strings.Contains(strings.Join(msgs, "\n"), c.want) {
			t.Errorf("%s: got %v, want a diagnostic containing %q", c.text, msgs, c.want)
		}
	}
}

func TestSpacedAnnotation(t *testing.T) {
	fset := token.NewFileSet()
	f := fset.AddFile("a.go", -1, 100)
	for text, want := range map[string]bool{
		"// cache:expire=300 namespace=books": true,
		"//  cache: invalidate":               true,
		"// cache: see the README":            false,
		"// the cache: fast":                  false,
	} {
		r := &reporter{fset: fset}
		checkSpaced(r, &ast.Comment{Slash: token.Pos(f.Base()), Text: text})
		if got := len(r.diags) > 0; got != want {
			t.Errorf("%q: diagnosed %v, want %v", text, got, want)
		}
	}
}

// TestTableNamespace: a table whose quoted name holds characters a
// namespace cannot gets a namespace all the same, the same for its reads
// and writes.
func TestTableNamespace(t *testing.T) {
	for in, want := range map[string]string{
		"books":           "books",
		"Adv2 Weird-Name": "Adv2_Weird-Name",
		"a,b={c}":         "a_b__c_",
		"tab\there":       "tab_here",
	} {
		got := tableNamespace(in)
		if got != want {
			t.Errorf("tableNamespace(%q) = %q, want %q", in, got, want)
		}
		if strings.ContainsAny(got, " \t,={}*?[]") {
			t.Errorf("tableNamespace(%q) = %q: not a namespace", in, got)
		}
	}
}
