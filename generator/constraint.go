package generator

import (
	"go/ast"
	"go/build/constraint"
	"path/filepath"
	"strings"
)

// fileConstraint returns the build constraint of the file f at path, which
// the file generated for an interface it declares carries too: its
// //go:build line (or its // +build lines) and the GOOS and GOARCH of its
// name (repo_linux.go, repo_linux_amd64.go), combined; nil when it has
// none.
func fileConstraint(f *ast.File, path string) constraint.Expr {
	var expr, plus constraint.Expr
	for _, cg := range f.Comments {
		if cg.Pos() >= f.Package {
			break
		}
		for _, c := range cg.List {
			switch {
			case constraint.IsGoBuild(c.Text):
				if x, err := constraint.Parse(c.Text); err == nil {
					expr = x
				}
			case constraint.IsPlusBuild(c.Text):
				if x, err := constraint.Parse(c.Text); err == nil {
					plus = and(plus, x)
				}
			}
		}
	}
	if expr == nil {
		expr = plus // the go command reads // +build lines only without a //go:build line
	}
	return and(expr, nameConstraint(filepath.Base(path)))
}

// nameConstraint returns the constraint the go command reads in a file's
// name: *_GOOS, *_GOARCH or *_GOOS_GOARCH before .go (and _test); nil for
// none. _unix is not one: unix is a build tag, not a GOOS.
func nameConstraint(name string) constraint.Expr {
	name, _, _ = strings.Cut(name, ".")
	i := strings.Index(name, "_")
	if i < 0 {
		return nil
	}
	l := strings.Split(name[i:], "_")
	if n := len(l); n > 0 && l[n-1] == "test" {
		l = l[:n-1]
	}
	n := len(l)
	if n >= 2 && knownOS[l[n-2]] && knownArch[l[n-1]] {
		return and(tag(l[n-2]), tag(l[n-1]))
	}
	if n >= 1 && (knownOS[l[n-1]] || knownArch[l[n-1]]) {
		return tag(l[n-1])
	}
	return nil
}

func tag(name string) constraint.Expr { return &constraint.TagExpr{Tag: name} }

// and returns x && y, either of which may be nil.
func and(x, y constraint.Expr) constraint.Expr {
	switch {
	case x == nil:
		return y
	case y == nil:
		return x
	}
	return &constraint.AndExpr{X: x, Y: y}
}

// knownOS and knownArch are the GOOS and GOARCH values the go command
// reads in file names (go/build's lists).
var knownOS = setOf("aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux",
	"nacl", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows", "zos")

var knownArch = setOf("386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "loong64", "mips", "mipsle",
	"mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "ppc64", "ppc64le", "riscv", "riscv64", "s390", "s390x",
	"sparc", "sparc64", "wasm")

func setOf(names ...string) map[string]bool {
	m := map[string]bool{}
	for _, n := range names {
		m[n] = true
	}
	return m
}
