package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// writeGen200 writes a package with one interface of 200 annotated methods
// into a fresh directory inside the module, and returns it.
func writeGen200(b *testing.B) string {
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		b.Fatal(err)
	}
	dir, err := os.MkdirTemp("testdata", "_gen200")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	var src strings.Builder
	src.WriteString("package gen200\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\n")
	src.WriteString("type Row struct {\n\tID int64\n\tName string\n\tAt time.Time\n\tTags []string\n}\n\n")
	src.WriteString("type Filter struct {\n\tQ string\n\tLimit int\n\tSince time.Time\n}\n\n")
	src.WriteString("type Repo interface {\n")
	for i := range 200 {
		switch i % 4 {
		case 0:
			fmt.Fprintf(&src, "\t//cache:expire=300 namespace=ns%d\n\tGet%d(ctx context.Context, id int64) (Row, error)\n", i%10, i)
		case 1:
			fmt.Fprintf(&src, "\t//cache:expire=1h namespace=ns%d,all\n\tList%d(ctx context.Context, f Filter, ids ...int64) ([]Row, int, error)\n", i%10, i)
		case 2:
			fmt.Fprintf(&src, "\t//cache:expire=30s namespace=ns%d key=q\n\tFind%d(ctx context.Context, q string, cb func(Row)) (*Row, error)\n", i%10, i)
		default:
			fmt.Fprintf(&src, "\t//cache:invalidate namespace=ns%d\n\tPut%d(ctx context.Context, r Row) error\n", i%10, i)
		}
	}
	src.WriteString("}\n")
	if err := os.WriteFile(filepath.Join(dir, "repo.go"), []byte(src.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	return dir
}

// BenchmarkGenerate runs cachegen and mockgen (package mode) on the same
// interface of 200 methods. The binaries come from CACHEGEN_BIN and
// MOCKGEN_BIN (scripts/benchmarks.sh builds them); mockgen is a dev tool and
// stays out of go.mod.
func BenchmarkGenerate(b *testing.B) {
	cachegen, mockgen := os.Getenv("CACHEGEN_BIN"), os.Getenv("MOCKGEN_BIN")
	if cachegen == "" || mockgen == "" {
		b.Skip("set CACHEGEN_BIN and MOCKGEN_BIN (scripts/benchmarks.sh does)")
	}
	dir := writeGen200(b)
	run := func(b *testing.B, name string, args ...string) {
		for b.Loop() {
			cmd := exec.Command(name, args...)
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
		}
	}
	b.Run("methods=200/cachegen", func(b *testing.B) { run(b, cachegen) })
	b.Run("methods=200/mockgen", func(b *testing.B) {
		// Outside the package: its import of gomock is not in this module.
		run(b, mockgen, "-destination", filepath.Join(b.TempDir(), "mock_repo.go"), "-package", "gen200", "github.com/cachegen/cachegen/bench/"+filepath.ToSlash(dir), "Repo")
	})
	if _, err := os.Stat(filepath.Join(dir, "repo_cache.go")); err != nil {
		b.Fatal("cachegen wrote nothing")
	}
}
