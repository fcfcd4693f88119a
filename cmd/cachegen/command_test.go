package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
)

// repoRoot is the repository's root, found before any test changes the
// working directory.
var repoRoot, _ = filepath.Abs("../..")

// TestOnePrefix checks that every line cachegen prints on failure starts
// with one "cachegen: " and is not prefixed twice, or, for a diagnostic,
// with its file:line:col: as the compiler's errors do.
func TestOnePrefix(t *testing.T) {
	dir := scratch(t)
	os.WriteFile(filepath.Join(dir, "bookrepository_cache.go"), []byte("package basic\n"), 0o644)
	errorsDir := filepath.Join(repoRoot, "testdata", "errors")
	for _, c := range []struct {
		dir  string
		args []string
	}{
		{dir, nil},                          // a file cachegen did not write
		{dir, []string{"./nothere"}},        // no such package
		{errorsDir, nil},                    // diagnostics
		{dir, []string{"--type", "Nope"}},   // no such interface
		{dir, []string{"--bogus"}},          // a bad flag
		{dir, []string{".", "--check"}},     // a flag after the packages
		{dir, []string{"--output", "a.go"}}, // fine: one interface
	} {
		_, _, errOut := runIn(t, c.dir, c.args...)
		for _, line := range strings.Split(strings.TrimSuffix(errOut, "\n"), "\n") {
			if line == "" {
				continue
			}
			if positioned.MatchString(line) {
				continue
			}
			if !strings.HasPrefix(line, prefix) || regexp.MustCompile(`^cachegen: (cache|cachegen): `).MatchString(line) {
				t.Errorf("cachegen %v printed %q: want one %q prefix", c.args, line, prefix)
			}
		}
	}
}

// positioned matches a diagnostic's line.
var positioned = regexp.MustCompile(`^[^ :]+\.go:\d+:\d+: `)

// TestExitStatus checks the exit statuses of docs/annotations.md: 2 for bad usage, 1 for
// problems in the input.
func TestExitStatus(t *testing.T) {
	collide := filepath.Join(repoRoot, "testdata", "namecollide")
	dir := scratch(t)
	for _, c := range []struct {
		dir    string
		args   []string
		status int
		want   string
	}{
		{collide, []string{"--output", "all.go"}, exitUsage, "--output names one file, but 4 interfaces are to be wrapped"},
		{dir, []string{"--bogus"}, exitUsage, "flag provided but not defined"},
		{dir, []string{".", "--check"}, exitUsage, "flag --check after the packages"},
		{dir, []string{"./nothere"}, exitProblem, "nothere"},
		{dir, []string{"--type", "Nope"}, exitProblem, "--type Nope: no interface named Nope"},
	} {
		st, _, errOut := runIn(t, c.dir, c.args...)
		if st != c.status || !strings.Contains(errOut, c.want) {
			t.Errorf("cachegen %v: status %d, stderr %q; want %d and %q", c.args, st, errOut, c.status, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(collide, "all.go")); err == nil {
		t.Error("--output with several interfaces wrote a file")
	}
}

// TestOutputRelativeToPackage runs cachegen from the directory above the
// package: --output names a file in the package's directory.
func TestOutputRelativeToPackage(t *testing.T) {
	dir := scratch(t)
	st, _, errOut := runIn(t, filepath.Dir(dir), "--output", "gen_books.go", "./"+filepath.Base(dir))
	if st != exitOK {
		t.Fatalf("status %d: %s", st, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "gen_books.go")); err != nil {
		t.Fatalf("--output gen_books.go is not in the package's directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "bookrepository_cache.go")); err == nil {
		t.Fatal("the file written under its default name before stays beside the --output one")
	}
}

// TestNoModule runs cachegen in a directory outside any module.
func TestNoModule(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "repo.go"), []byte("package repo\n"), 0o644)
	t.Setenv("GOWORK", "")
	st, _, errOut := runIn(t, dir)
	if st != exitProblem || !strings.Contains(errOut, "no go.mod found in "+dir) || !strings.Contains(errOut, "go mod init") {
		t.Fatalf("status %d, stderr %q; want 1 and a message about go.mod and go mod init", st, errOut)
	}
}

func TestVersion(t *testing.T) {
	st, out, errOut := runIn(t, ".", "--version")
	if st != exitOK || !regexp.MustCompile(`^cachegen (v\S+|\(devel\).*)\n$`).MatchString(out) {
		t.Fatalf("--version: status %d, stdout %q, stderr %q", st, out, errOut)
	}
	// Built by go tool in a user's module, cachegen is a dependency.
	bi := &debug.BuildInfo{
		Path: "github.com/cachegen/cachegen/cmd/cachegen",
		Main: debug.Module{Path: "example.com/bookstore", Version: "(devel)"},
		Deps: []*debug.Module{{Path: "github.com/redis/go-redis/v9", Version: "v9.23.0"}, {Path: "github.com/cachegen/cachegen", Version: "v1.4.0"}},
	}
	if v := moduleVersion(bi); v != "v1.4.0" {
		t.Errorf("go tool build: version %q, want v1.4.0", v)
	}
	// Built in a checkout.
	bi = &debug.BuildInfo{
		Path:     "github.com/cachegen/cachegen/cmd/cachegen",
		Main:     debug.Module{Path: "github.com/cachegen/cachegen", Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}},
	}
	if v := moduleVersion(bi); v != "(devel) 0123456789ab" {
		t.Errorf("checkout build: version %q", v)
	}
}

// TestTypeKeepsVerdictsAndNames runs --check with --type on committed
// cases: a write is accepted without the interface that caches its
// namespace, and files and helper types get the names a full run gives.
func TestTypeKeepsVerdictsAndNames(t *testing.T) {
	for _, c := range []struct{ dir, typ string }{
		{"splitrw", "BookWriter"},
		{"namecollide", "Userrepo"},
		{"namecollide", "ABC"},
		{"crosspkg", "Repository"},
	} {
		dir := filepath.Join(repoRoot, "testdata", c.dir)
		if st, out, errOut := runIn(t, dir, "--check", "--type", c.typ); st != exitOK {
			t.Errorf("%s: --check --type %s: status %d\n%s%s", c.dir, c.typ, st, out, errOut)
		}
	}
}

// TestOrphans renames, then deletes, the interface of a package: its old
// generated file is reported by --check and removed by a run, so that the
// package builds.
func TestOrphans(t *testing.T) {
	dir := scratch(t)
	rewrite := func(name string, pairs ...string) {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		for i := 0; i < len(pairs); i += 2 {
			b = bytes.ReplaceAll(b, []byte(pairs[i]), []byte(pairs[i+1]))
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(dir, name))
		return err == nil
	}
	rewrite("repo.go", "BookRepository", "BookRepo")
	rewrite("wire.go", "BookRepository", "BookRepo")
	st, out, _ := runIn(t, dir, "--check")
	if st != exitProblem || !strings.Contains(out, "bookrepository_cache.go is left over") || !strings.Contains(out, "bookrepo_cache.go is missing") {
		t.Fatalf("--check after a rename: status %d, stdout %q", st, out)
	}
	if !exists("bookrepository_cache.go") {
		t.Fatal("--check removed a file")
	}
	if st, _, errOut := runIn(t, dir); st != exitOK || !strings.Contains(errOut, "removed bookrepository_cache.go") {
		t.Fatalf("run after a rename: status %d, stderr %q", st, errOut)
	}
	if exists("bookrepository_cache.go") || !exists("bookrepo_cache.go") {
		t.Fatal("after a rename: the old file is left or the new one is missing")
	}
	vet(t, dir)

	// The interface deleted: its file goes too.
	rewrite("repo.go", `import "context"`, "")
	b, _ := os.ReadFile(filepath.Join(dir, "repo.go"))
	b = regexp.MustCompile(`(?s)// BookRepo reads.*`).ReplaceAll(b, nil)
	os.WriteFile(filepath.Join(dir, "repo.go"), b, 0o644)
	os.Remove(filepath.Join(dir, "wire.go"))
	if st, out, _ := runIn(t, dir, "--check"); st != exitProblem || !strings.Contains(out, "bookrepo_cache.go is left over") {
		t.Fatalf("--check after a deletion: status %d, stdout %q", st, out)
	}
	if st, _, errOut := runIn(t, dir); st != exitOK || exists("bookrepo_cache.go") || !strings.Contains(errOut, "removed bookrepo_cache.go") {
		t.Fatalf("run after a deletion: status %d, stderr %q, file left: %v", st, errOut, exists("bookrepo_cache.go"))
	}
	vet(t, dir)
}

// vet runs go vet on the package in dir, a directory of the testdata
// module.
func vet(t *testing.T, dir string) {
	t.Helper()
	module, _ := filepath.Abs(testdataDir)
	rel, _ := filepath.Rel(module, dir)
	cmd := exec.Command("go", "vet", "./"+filepath.ToSlash(rel))
	cmd.Dir = module
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go vet %s: %v\n%s", rel, err, out)
	}
}

// TestReadmeDevelopmentCommand checks the commands of CONTRIBUTING.md's
// Development section: every script it names exists, and the generator, which
// scripts/generate.sh runs in every module through go generate, finds every
// committed wrapper fresh from the repository root and from each module that
// holds wrappers (cachegen --check ./...).
func TestReadmeDevelopmentCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("loads every package of the modules")
	}
	readme, err := os.ReadFile(filepath.Join(repoRoot, "CONTRIBUTING.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Development\n.*?```sh\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("CONTRIBUTING.md has no Development code block")
	}
	scripts := regexp.MustCompile(`(?m)^(scripts/\S+)`).FindAllSubmatch(m[1], -1)
	if len(scripts) == 0 {
		t.Fatal("CONTRIBUTING.md's Development block names no script")
	}
	for _, s := range scripts {
		if _, err := os.Stat(filepath.Join(repoRoot, string(s[1]))); err != nil {
			t.Errorf("CONTRIBUTING.md's Development block names %s: %v", s[1], err)
		}
	}
	for _, module := range []string{".", "example", "bench"} {
		st, out, errOut := runIn(t, filepath.Join(repoRoot, module), "--check", "./...")
		if st != exitOK {
			t.Fatalf("cachegen --check ./... in %s: status %d\n%s%s", module, st, out, errOut)
		}
	}
}
