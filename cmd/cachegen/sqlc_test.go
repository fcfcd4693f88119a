package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sqlcScratch copies testdata/sqlcpg (sqlc's output and cachegen's) into
// a scratch package of the testdata module.
func sqlcScratch(t *testing.T) string {
	t.Helper()
	dir := scratch(t)
	for _, name := range []string{"repo.go", "wire.go", "bookrepository_cache.go"} {
		os.Remove(filepath.Join(dir, name))
	}
	src := filepath.Join(testdataDir, "sqlcpg")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestCheckSaysWhatHappened: --check tells a missing file, a stale one, a
// left-over one and one whose interface lost its annotations apart.
func TestCheckSaysWhatHappened(t *testing.T) {
	dir := sqlcScratch(t)
	if st, out, errOut := runIn(t, dir, "--check"); st != exitOK {
		t.Fatalf("fresh: status %d, stdout %q, stderr %q", st, out, errOut)
	}
	os.Remove(filepath.Join(dir, "querier_cache.go"))
	if st, out, _ := runIn(t, dir, "--check"); st != exitProblem || !strings.Contains(out, "querier_cache.go is missing") {
		t.Fatalf("missing: status %d, stdout %q", st, out)
	}
	if st, _, errOut := runIn(t, dir); st != exitOK {
		t.Fatalf("generate: status %d, stderr %q", st, errOut)
	}
	querier := filepath.Join(dir, "querier.go")
	b, _ := os.ReadFile(querier)
	os.WriteFile(querier, []byte(strings.Replace(string(b), "expire=60 namespace=authors.all", "expire=90 namespace=authors.all", 1)), 0o644)
	if st, out, _ := runIn(t, dir, "--check"); st != exitProblem || !strings.Contains(out, "querier_cache.go is stale") {
		t.Fatalf("stale: status %d, stdout %q", st, out)
	}
	// sqlc regenerated querier.go from a .sql file without annotations.
	os.WriteFile(querier, regexp.MustCompile(`(?m)^\s*//cache:.*\n`).ReplaceAll(b, nil), 0o644)
	for _, f := range []string{"query.sql.go"} {
		p := filepath.Join(dir, f)
		q, _ := os.ReadFile(p)
		os.WriteFile(p, regexp.MustCompile(`(?m)^//cache:.*\n`).ReplaceAll(q, nil), 0o644)
	}
	if st, out, _ := runIn(t, dir, "--check"); st != exitProblem || !strings.Contains(out, "interface Querier is still declared but has no //cache: annotations") {
		t.Fatalf("lost annotations: status %d, stdout %q", st, out)
	}
}

// TestExplain prints what cachegen inferred from sqlc's SQL.
func TestExplain(t *testing.T) {
	st, out, errOut := runIn(t, filepath.Join(testdataDir, "sqlcinfer"), "--explain")
	if st != exitOK {
		t.Fatalf("status %d, stderr %q", st, errOut)
	}
	for _, want := range []string{
		"Querier.DeleteAuthor (postgresql)\n\treads:  -\n\twrites: authors row $1; books (whole table) by ON DELETE of a foreign key to authors\n\tuses:   //cache:invalidate namespace=authors:{id},authors.all,books,books.all\n",
		"Querier.GetAuthor (postgresql)\n\treads:  authors row $1\n\twrites: -\n\tuses:   //cache:expire=60 namespace=authors:{id}\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--explain lacks %q:\n%s", want, out)
		}
	}
}
