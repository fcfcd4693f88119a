package generator

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"strings"
	"testing"
)

// source is one type-checked file of package p.
type source struct {
	pkg  *types.Package
	fset *token.FileSet
	file *ast.File
}

// checkSource type-checks one file of package p.
func checkSource(t *testing.T, src string) source {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("example.com/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return source{pkg, fset, f}
}

// evalType returns the type expr names in the file, whose imports it may
// use.
func (s source) evalType(t *testing.T, expr string) types.Type {
	t.Helper()
	tv, err := types.Eval(s.fset, s.pkg, s.file.Decls[len(s.file.Decls)-1].Pos(), expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return tv.Type
}

// TestCopyPlans checks which types get which copy, and why the others get
// none.
func TestCopyPlans(t *testing.T) {
	src := checkSource(t, `package p

import (
	"bytes"
	"encoding/json"
	"math/big"
	"net/netip"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

type Plain struct {
	A  int
	B  string
	T  time.Time
	Ad netip.Addr
	_  [0]func()
}
type Own struct {
	Name string
	tags []string
}
type Node struct{ Kids []*Node }
type Locked struct {
	mu sync.Mutex
	N  int
}
type Counter struct{ N atomic.Int64 }
type Fn struct{ F func() }
type Ch struct{ C chan int }
type Iface struct{ E error }
type Unsafe struct{ P unsafe.Pointer }
type KeyPtr map[*int]int
type Anon struct{ S struct{ P *int } }

var _ = []any{bytes.Buffer{}, json.RawMessage{}, big.Int{}, url.URL{}}
`)
	for _, tc := range []struct {
		typ  string
		kind CopyKind
		why  string // a part of the reason when there is no copy
	}{
		{typ: "Plain", kind: CopyValue},
		{typ: "[4]Plain", kind: CopyValue},
		{typ: "Own", kind: CopyStruct}, // unexported, of the package
		{typ: "*Node", kind: CopyPointer},
		{typ: "[2]*Node", kind: CopyArray},
		{typ: "map[string][]int", kind: CopyMap},
		{typ: "json.RawMessage", kind: CopySlice},
		{typ: "big.Int", kind: CopyBig},
		{typ: "big.Float", kind: CopyBig},
		{typ: "url.URL", kind: CopyStruct}, // its User *Userinfo is exported; Userinfo's fields are values
		{typ: "Anon", kind: CopyStruct},
		{typ: "Locked", why: "field mu of Locked: sync.Mutex is a lock"},
		{typ: "Counter", why: "sync/atomic.noCopy is a lock"},
		{typ: "Fn", why: "func() is a func"},
		{typ: "Ch", why: "chan int is a channel"},
		{typ: "Iface", why: "error is an interface"},
		{typ: "Unsafe", why: "unsafe.Pointer"},
		{typ: "KeyPtr", why: "map key type *int holds mutable memory"},
		{typ: "bytes.Buffer", why: "field buf of bytes.Buffer holds mutable memory ([]byte) and is unexported in another package"},
	} {
		p := newCopyPlanner(src.pkg, "Repo", map[string]bool{})
		c, why := p.plan(src.evalType(t, tc.typ))
		switch {
		case tc.why != "" && (c != nil || !strings.Contains(why, tc.why)):
			t.Errorf("%s: got %v %q, want no copy because %q", tc.typ, c, why, tc.why)
		case tc.why == "" && c == nil:
			t.Errorf("%s: no copy: %s", tc.typ, why)
		case tc.why == "" && c.Kind != tc.kind:
			t.Errorf("%s: got kind %d, want %d", tc.typ, c.Kind, tc.kind)
		case tc.why == "" && (c.Func == "" || len(p.funcs) == 0 || p.funcs[0] != c):
			t.Errorf("%s: the copy has no function of its own", tc.typ)
		}
	}
}

// TestCopyFuncsShared checks that a planner gives each type one function,
// reused by later reads, and keeps nothing of a type it cannot copy.
func TestCopyFuncsShared(t *testing.T) {
	src := checkSource(t, `package p

type Book struct {
	Tags []string
	Next *Book
}
type Bad struct {
	Tags []string
	C    chan int
}
`)
	taken := map[string]bool{"repoCopyBook": true}
	p := newCopyPlanner(src.pkg, "Repo", taken)
	if _, why := p.plan(src.evalType(t, "Bad")); why == "" {
		t.Fatal("Bad got a copy")
	}
	if len(p.funcs) != 0 || len(taken) != 1 {
		t.Fatalf("a failed plan left functions %v, names %v", p.funcs, taken)
	}
	one, _ := p.plan(src.evalType(t, "[]Book"))
	two, _ := p.plan(src.evalType(t, "*Book"))
	var names []string
	for _, c := range p.funcs {
		names = append(names, c.Func)
	}
	want := "repoCopySliceBook repoCopyBook2 repoCopySliceString repoCopyPtrBook"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("got functions %s, want %s", got, want)
	}
	if one.Elem != two.Elem {
		t.Error("[]Book and *Book do not share the copy of Book")
	}
	if two.Elem.Fields[1].Copy != two {
		t.Error("Book's Next does not use the copy of *Book")
	}
}

// TestCopyShadowedBuiltin checks that a package declaring a builtin the
// copies use gets none.
func TestCopyShadowedBuiltin(t *testing.T) {
	src := checkSource(t, "package p\n\nfunc copy() {}\n")
	if c, why := newCopyPlanner(src.pkg, "Repo", map[string]bool{}).plan(types.NewSlice(types.Typ[types.Int])); c != nil || !strings.Contains(why, "declares copy") {
		t.Errorf("got %v %q", c, why)
	}
}

func TestImportable(t *testing.T) {
	for _, tc := range []struct {
		path, from string
		want       bool
	}{
		{"a/b", "c", true},
		{"a/b/internal/x", "a/b", true},
		{"a/b/internal/x", "a/b/c/d", true},
		{"a/b/internal/x", "a/bc", false},
		{"a/b/internal", "a/b/c", true},
		{"a/internal/b/internal/x", "a/c", false},
		{"internal/poll", "a", false},
		{"vendor/golang.org/x/net/dns", "a", false},
		{"a/vendor/b", "a", false},
	} {
		if got := importable(tc.path, tc.from); got != tc.want {
			t.Errorf("importable(%q, %q) = %v, want %v", tc.path, tc.from, got, tc.want)
		}
	}
}
