package cache

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestAdoptionKeepsGoLine adds this module, through a replace directive
// standing for the published one, to a project on Go 1.22 that requires
// go-sql-driver/mysql v1.7.1, as its go get, go mod tidy and go build
// would; the project's go line and its mysql version must not change, and
// no toolchain line may appear. Run with GOTOOLCHAIN set to an old release
// (.ci/run does, with go1.22.12), it also proves that toolchain builds it.
func TestAdoptionKeepsGoLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a new module with the go command")
	}
	runtime, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/legacy\n\ngo 1.22\n\n"+
		"require github.com/go-sql-driver/mysql v1.7.1\n\n"+
		"replace github.com/cachegen/cachegen/cache => "+runtime+"\n")
	write("main.go", `package main

import (
	"database/sql"

	"github.com/cachegen/cachegen/cache"
	_ "github.com/go-sql-driver/mysql"
)

func main() {
	db, _ := sql.Open("mysql", "root@tcp(127.0.0.1:3306)/legacy")
	defer db.Close()
	c := cache.New(cache.NewMemoryStore(), cache.WithPrefix("legacy"))
	defer c.Close()
}
`)
	goCmd := func(args ...string) {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	goCmd("get", "github.com/cachegen/cachegen/cache@v0.0.0")
	goCmd("mod", "tidy")
	goCmd("build", "-o", os.DevNull, ".")

	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	gomod := string(b)
	for _, want := range []string{`(?m)^go 1\.22$`, `(?m)^\s*(require\s+)?github\.com/go-sql-driver/mysql v1\.7\.1$`} {
		if !regexp.MustCompile(want).MatchString(gomod) {
			t.Errorf("go.mod does not match %s after adding the runtime:\n%s", want, gomod)
		}
	}
	if regexp.MustCompile(`(?m)^toolchain `).MatchString(gomod) {
		t.Errorf("adding the runtime added a toolchain line:\n%s", gomod)
	}
	t.Logf("go.mod after adding the runtime:\n%s", gomod)
}
