package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHelp checks that --help shows, beside the flags, the annotated
// example, every exit status and the documentation's address.
func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if status := run([]string{"cachegen", "--help"}, &stdout, &stderr); status != exitOK {
		t.Fatalf("--help: exit status %d, stderr %q", status, stderr.String())
	}
	out := stdout.String()
	want := []string{"--check", "EXAMPLE:", "//cache:expire=300 namespace=books", "//cache:invalidate namespace=books",
		"EXIT STATUS:", docsURL}
	for _, code := range []int{exitOK, exitProblem, exitUsage} {
		want = append(want, fmt.Sprintf("\n   %d  ", code))
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("--help lacks %q:\n%s", w, out)
		}
	}
}

// TestHelpExampleGenerates runs cachegen on the interface --help shows:
// the example is valid as printed.
func TestHelpExampleGenerates(t *testing.T) {
	dir, err := os.MkdirTemp(testdataDir, "_help")
	if err == nil {
		dir, err = filepath.Abs(dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	src := "package books\n\nimport \"context\"\n\n// Book is a book.\ntype Book struct {\n\tID    int64\n\tTitle string\n}\n\n" + helpExample + "\n"
	if err := os.WriteFile(filepath.Join(dir, "books.go"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, stderr := runIn(t, dir)
	if status != exitOK {
		t.Fatalf("cachegen on the --help example: exit status %d: %s", status, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "bookrepository_cache.go")); err != nil {
		t.Errorf("the --help example generated no bookrepository_cache.go: %v", err)
	}
}
