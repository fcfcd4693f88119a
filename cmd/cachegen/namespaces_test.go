package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/generator"
)

// TestNamespaceOfAnotherPackage runs cachegen on package trainer alone, as
// go generate does: training is cached by package trainings of the same
// module, so invalidating it is no typo of trainer's own trainings.
func TestNamespaceOfAnotherPackage(t *testing.T) {
	res, err := generator.Load(generator.Config{Dir: filepath.Join(testdataDir, "sharedns"), Patterns: []string{"./trainer"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 || len(res.Warnings) != 0 {
		t.Fatalf("%d files, warnings %v; want 1 file and no warning", len(res.Files), res.Warnings)
	}
}

// TestNamespaceTypoWarns: a namespace that nothing in the module caches,
// close to one that is, is a warning, with its position first; the file is
// generated all the same, and external silences it.
func TestNamespaceTypoWarns(t *testing.T) {
	dir := scratch(t)
	os.Remove(filepath.Join(dir, "bookrepository_cache.go"))
	extra := "\n// Archive archives books.\ntype Archive interface {\n\t//cache:invalidate namespace=bookz\n\tArchive(ctx context.Context, id int64) error\n}\n"
	path := filepath.Join(dir, "repo.go")
	src, _ := os.ReadFile(path)
	os.WriteFile(path, append(src, extra...), 0o644)
	st, _, errOut := runIn(t, dir)
	warning := regexp.MustCompile(`^repo\.go:\d+:\d+: warning: namespace "bookz" is invalidated here, but nothing in module \S+ caches it; did you mean "books"\?`)
	if st != exitOK || !warning.MatchString(errOut) || strings.Count(errOut, "\n") != 1 {
		t.Fatalf("status %d, stderr %q; want 0 and one warning", st, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "archive_cache.go")); err != nil {
		t.Fatalf("a warning stopped generation: %v", err)
	}
	os.WriteFile(path, append(src, strings.Replace(extra, "bookz", "bookz external", 1)...), 0o644)
	if st, _, errOut := runIn(t, dir); st != exitOK || errOut != "" {
		t.Fatalf("marked external: status %d, stderr %q; want 0 and nothing", st, errOut)
	}
}
