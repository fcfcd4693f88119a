package generator

import (
	"bytes"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// moduleNamespaces finds the namespaces that the annotations anywhere in a
// module cache, so that the typo check of writes knows those of the
// packages a run does not load (go generate runs cachegen one package at a
// time). It reads each module once, and only when asked.
type moduleNamespaces map[string]map[string]bool

// cached returns the families of the namespaces that the read annotations
// of the module in dir cache: in every .go file of the module (test files
// and files of any build constraint included) but those the go command
// ignores (testdata, vendor, directories starting with . or _) and those of
// nested modules.
func (mn moduleNamespaces) cached(dir string) map[string]bool {
	if ns, ok := mn[dir]; ok {
		return ns
	}
	ns := map[string]bool{}
	mn[dir] = ns
	fset := token.NewFileSet()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		name := d.Name()
		if d.IsDir() {
			if path != dir && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || exists(filepath.Join(path, "go.mod"))) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(src, []byte(annotationPrefix)) {
			return nil
		}
		f, _ := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		if f == nil {
			return nil
		}
		r := &reporter{fset: fset} // problems are reported where the file is generated
		for _, cg := range f.Comments {
			for _, c := range cg.List {
				if !isAnnotation(c) {
					continue
				}
				if an := parseAnnotation(r, c); an != nil && !an.invalidate {
					for _, n := range an.namespaces {
						ns[family(n)] = true
					}
				}
			}
		}
		return nil
	})
	return ns
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
