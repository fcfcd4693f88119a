package testdata_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/generator"
)

// TestNamesAgree checks that cachegen rejects, at generation time, exactly
// the namespaces that the runtime's cache.ValidateName rejects: the
// generator keeps its own copy of the rule, because the tool's module does
// not require the runtime's. Each candidate is a namespace of its own
// method; the generator must report the line of every name the runtime
// refuses, and no other.
func TestNamesAgree(t *testing.T) {
	var names []string
	for r := rune(1); r < 0x80; r++ {
		if r == ' ' || r == '\t' || r == ',' || r == '\n' || r == '\r' {
			continue // they separate an annotation's options and lists
		}
		names = append(names, "a"+string(r)+"b")
	}
	names = append(names, "books", "a\u0085b", "a\u00a0b", "caf\u00e9", "\u4e66", "a\u2028b", "v1:x/y_z-w.q")

	dir, err := os.MkdirTemp(".", "_names")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	var src strings.Builder
	src.WriteString("package names\n\nimport \"context\"\n\ntype Repo interface {\n")
	const first = 6 // the line of the first annotation
	for i, n := range names {
		fmt.Fprintf(&src, "\t//cache:expire=60 namespace=%s\n\tGet%d(ctx context.Context) (int, error)\n", n, i)
	}
	src.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(dir, "repo.go"), []byte(src.String()), 0o644); err != nil {
		t.Fatal(err)
	}

	rejected := map[int]bool{} // by line
	_, err = generator.Load(generator.Config{Dir: dir})
	var diags generator.Diagnostics
	if err != nil && !errors.As(err, &diags) {
		t.Fatal(err)
	}
	for _, d := range diags {
		if !strings.Contains(d.Message, "invalid namespace") {
			t.Fatalf("unexpected diagnostic: %s", d.Format(dir))
		}
		rejected[d.Pos.Line] = true
	}
	for i, n := range names {
		want := cache.ValidateName(n) != nil
		if got := rejected[first+2*i]; got != want {
			t.Errorf("namespace %q: generator rejects it: %v; cache.ValidateName rejects it: %v", n, got, want)
		}
	}
}
