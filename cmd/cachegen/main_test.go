package main

import (
	"bytes"
	"errors"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/templates"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// testdataDir is where the cases live: one directory each, holding the
// annotated input and either the committed generated files or, for cases
// that must fail, diagnostics.golden.
const testdataDir = "../../testdata"

const diagnosticsFile = "diagnostics.golden"

func cases(t *testing.T) (generated, failing []string) {
	t.Helper()
	entries, err := os.ReadDir(testdataDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), "_") || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		dir := filepath.Join(testdataDir, e.Name())
		if _, err := os.Stat(filepath.Join(dir, diagnosticsFile)); err == nil {
			failing = append(failing, dir)
		} else {
			generated = append(generated, dir)
		}
	}
	if len(generated) == 0 || len(failing) == 0 {
		t.Fatalf("no test cases in %s", testdataDir)
	}
	return generated, failing
}

// render loads dir and the packages below it and renders every file they
// generate.
func render(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	res, err := generator.Load(generator.Config{Dir: dir, Patterns: []string{"./..."}})
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	if len(res.Orphans) > 0 {
		t.Errorf("%s: left-over generated files %v", dir, res.Orphans)
	}
	out := map[string][]byte{}
	for _, f := range res.Files {
		src, err := templates.Render(f)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		out[f.Path] = src
	}
	return out
}

func TestGolden(t *testing.T) {
	generated, _ := cases(t)
	for _, dir := range generated {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := render(t, dir)
			if len(got) == 0 {
				t.Fatal("nothing generated")
			}
			for path, src := range got {
				if !bytes.HasPrefix(src, []byte(generator.Header+"\n\n//go:build !cachegen")) {
					t.Errorf("%s does not start with the header and build tag", path)
				}
				if *update {
					if err := os.WriteFile(path, src, 0o644); err != nil {
						t.Fatal(err)
					}
					continue
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run go test ./cmd/cachegen -update)", err)
				}
				if !bytes.Equal(got[path], want) {
					t.Errorf("%s differs from the generated output; run go test ./cmd/cachegen -update and review the diff\n%s", path, firstDiff(string(want), string(src)))
				}
			}
			// Same input, same bytes.
			again := render(t, dir)
			for path, src := range got {
				if !bytes.Equal(src, again[path]) {
					t.Errorf("%s: two runs gave different output", path)
				}
			}
		})
	}
}

func TestDiagnostics(t *testing.T) {
	_, failing := cases(t)
	for _, dir := range failing {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, err := generator.Load(generator.Config{Dir: dir, Patterns: []string{"./..."}})
			var diags generator.Diagnostics
			if !errors.As(err, &diags) {
				t.Fatalf("want diagnostics, got %v", err)
			}
			abs, _ := filepath.Abs(dir)
			var lines []string
			for _, d := range diags {
				lines = append(lines, d.Format(abs))
			}
			got := strings.Join(lines, "\n") + "\n"
			path := filepath.Join(dir, diagnosticsFile)
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("diagnostics differ from %s (-update rewrites it):\n%s", path, firstDiff(string(want), got))
			}
			for _, f := range mustGlob(t, filepath.Join(dir, "*_cache.go")) {
				t.Errorf("%s: a failing case must not have generated files", f)
			}
		})
	}
}

// TestGoldenCompile builds, vets and runs the tests of every generated case,
// so each golden file is compiled and its behaviour tests run.
func TestGoldenCompile(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet and go test in a subprocess")
	}
	generated, _ := cases(t)
	var pkgs []string
	for _, dir := range generated {
		pkgs = append(pkgs, "./"+filepath.Base(dir)+"/...")
	}
	for _, args := range [][]string{
		append([]string{"vet"}, pkgs...),
		append([]string{"test", "-count=1"}, pkgs...),
	} {
		cmd := exec.Command("go", args...)
		cmd.Dir = testdataDir // a module of its own, which requires the runtime
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestGoldenGo122 vets a copy of every generated file as Go 1.22 code (a
// go1.22 build constraint sets a file's language version), so that vet's
// stdversion check reports any use of a newer standard library API:
// generated code must build in modules that are on Go 1.22.
func TestGoldenGo122(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go vet in a subprocess")
	}
	generated, _ := cases(t)
	root, err := os.MkdirTemp(testdataDir, "_go122")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	pkgs := map[string]bool{}
	for _, dir := range generated {
		err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(testdataDir, path)
			out := filepath.Join(root, rel)
			if bytes.HasPrefix(src, []byte(generator.Header)) {
				// vet skips files marked generated: unmark the copy.
				src = bytes.Replace(src, []byte(generator.Header), []byte("// A copy of a generated file, vetted as Go 1.22."), 1)
				src = buildLine.ReplaceAll(src, []byte("//go:build ($1) && go1.22"))
			}
			// Imports of the case's own subpackages follow the copy.
			src = bytes.ReplaceAll(src, []byte("/testdata/"), []byte("/testdata/"+filepath.Base(root)+"/"))
			if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
				return err
			}
			pkgs["./"+filepath.ToSlash(filepath.Join(filepath.Base(root), filepath.Dir(rel)))] = true
			return os.WriteFile(out, src, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", append([]string{"vet"}, slices.Sorted(maps.Keys(pkgs))...)...)
	cmd.Dir = testdataDir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet of the generated files as Go 1.22: %v\n%s", err, out)
	}
}

// buildLine matches a generated file's //go:build line.
var buildLine = regexp.MustCompile(`(?m)^//go:build (!cachegen.*)$`)

func mustGlob(t *testing.T, pattern string) []string {
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// firstDiff shows the first line where want and got differ.
func firstDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for i := range max(len(w), len(g)) {
		var a, b string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			b = g[i]
		}
		if a != b {
			return "line " + strconv.Itoa(i+1) + ":\n  want: " + a + "\n  got:  " + b
		}
	}
	return ""
}
