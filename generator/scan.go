package generator

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// methodField is the declaration of one interface method.
type methodField struct {
	field  *ast.Field
	annots []*ast.Comment // its //cache: lines
	owner  *ast.TypeSpec  // the package-level interface declaring it; nil in another package
	file   *ast.File      // the file declaring it, whose imports its annotation's names resolve in
}

// scanFile indexes the method declarations of the file's interfaces,
// records the package-level interfaces with //cache: lines of their own, and
// reports every //cache: line that is anywhere else.
func (a *analyzer) scanFile(f *ast.File) {
	sqlc := isSqlcFile(f)
	if sqlc {
		normalizeSqlc(f)
	}
	// Methods of interface literals: their annotations are misplaced, but
	// they may be embedded.
	ast.Inspect(f, func(n ast.Node) bool {
		if it, ok := n.(*ast.InterfaceType); ok {
			for _, m := range it.Methods.List {
				if len(m.Names) > 0 {
					a.index[m.Names[0].Pos()] = &methodField{field: m, file: f}
				}
			}
		}
		return true
	})
	used := map[*ast.Comment]bool{}
	var copies map[*ast.Comment]bool
	if sqlc {
		copies = a.sqlcCopies(f)
	}
	for _, ts := range typeSpecs(f) {
		it, ok := ts.Type.(*ast.InterfaceType)
		if !ok {
			continue
		}
		annotated := false
		for _, m := range it.Methods.List {
			if len(m.Names) == 0 {
				continue
			}
			mf := &methodField{field: m, annots: annotations(m), owner: ts, file: f}
			a.index[m.Names[0].Pos()] = mf
			for _, c := range mf.annots {
				used[c] = true
				annotated = true
			}
		}
		if annotated {
			a.scanned[ts] = newIfaceDecl(ts, a.pkg.Fset.Position(f.Pos()).Filename, a.pkg.Fset)
		}
	}
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			checkSpaced(a.r, c)
			switch {
			case isBlockAnnotation(c):
				a.r.errorf(c.Slash, "annotation in a /* */ comment, which cachegen does not read: write it as a line comment, //cache:%s", strings.TrimSpace(strings.TrimSuffix(c.Text[len("/*cache:"):], "*/")))
			case copies[c]:
			case sqlc && isAnnotation(c) && !used[c]:
				a.r.errorf(c.Slash, "%s", sqlcMisplaced)
			case isAnnotation(c) && !used[c]:
				a.r.errorf(c.Slash, "//cache: annotation is not on a method of a package-level interface: put it in the doc comment directly above the method, in the interface declaration")
			}
		}
	}
}

// typeSpecs returns the file's package-level type declarations.
func typeSpecs(f *ast.File) []*ast.TypeSpec {
	var out []*ast.TypeSpec
	for _, decl := range f.Decls {
		if gd, ok := decl.(*ast.GenDecl); ok && gd.Tok == token.TYPE {
			for _, spec := range gd.Specs {
				out = append(out, spec.(*ast.TypeSpec))
			}
		}
	}
	return out
}

// annotations returns the //cache: lines of a method's doc comment.
func annotations(m *ast.Field) []*ast.Comment {
	if m.Doc == nil {
		return nil
	}
	var out []*ast.Comment
	for _, c := range m.Doc.List {
		if isAnnotation(c) {
			out = append(out, c)
		}
	}
	return out
}

// isBlockAnnotation reports whether c is a /*cache:...*/ comment.
func isBlockAnnotation(c *ast.Comment) bool { return strings.HasPrefix(c.Text, "/*cache:") }

// scanOtherFiles reports the annotations in the package directory's files
// that cachegen does not read: _test.go files, and files the build
// excludes. It also notes the files cachegen generated, which the cachegen
// build tag excludes.
func (a *analyzer) scanOtherFiles() {
	var paths []string
	for _, p := range a.pkg.IgnoredFiles {
		if strings.HasSuffix(p, ".go") {
			paths = append(paths, p)
		}
	}
	if dir := a.pkgDir(); dir != "" {
		tests, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		paths = append(paths, tests...)
	}
	slices.Sort(paths)
	for _, p := range slices.Compact(paths) {
		src, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if isGenerated(src) {
			if !strings.HasSuffix(p, "_test.go") {
				a.gen = append(a.gen, generatedFile{path: p, iface: wrappedInterface(p, src)})
			}
			continue
		}
		if !bytes.Contains(src, []byte("cache:")) {
			continue
		}
		// A file that does not parse is the compiler's business: read what parses.
		f, _ := parser.ParseFile(a.pkg.Fset, p, src, parser.ParseComments|parser.SkipObjectResolution)
		if f == nil {
			continue
		}
		where := "a file the build excludes (cachegen reads the files a build would, with -tags=" + BuildTag + ")"
		fix := "move the interface to a file that builds, or lift the file's build constraint"
		if strings.HasSuffix(p, "_test.go") {
			where, fix = "a _test.go file", "move the interface to a non-test file of the package"
		}
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if isAnnotation(c) || isBlockAnnotation(c) {
					a.r.errorf(c.Slash, "annotation in %s, which cachegen does not read: %s", where, fix)
				}
			}
		}
	}
}

// pkgDir returns the package's directory.
func (a *analyzer) pkgDir() string {
	if a.pkg.Dir != "" {
		return a.pkg.Dir
	}
	for _, files := range [][]string{a.pkg.GoFiles, a.pkg.IgnoredFiles} {
		if len(files) > 0 {
			return filepath.Dir(files[0])
		}
	}
	return ""
}

// onlyGenerated reports whether the package has Go files and all of them
// are cachegen's: what is left when every annotated interface was deleted.
func (a *analyzer) onlyGenerated() bool {
	if len(a.gen) == 0 || len(a.pkg.GoFiles) > 0 {
		return false
	}
	for _, p := range a.pkg.IgnoredFiles {
		if strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") && !slices.ContainsFunc(a.gen, func(g generatedFile) bool { return g.path == p }) {
			return false
		}
	}
	return true
}
