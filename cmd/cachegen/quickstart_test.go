package main

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeBlocks returns the code blocks of README.md that follow a
// "<!-- quickstart ... -->" marker, by marker text.
func readmeBlocks(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile("(?s)<!-- quickstart ([^>]*?) -->\n```[a-z]*\n(.*?)```")
	blocks := map[string]string{}
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		blocks[m[1]] = m[2]
	}
	return blocks
}

// TestQuickStart follows the README's quick start in a new module that uses
// this checkout through a replace directive: the README's go get commands,
// its two files, go generate (which runs go tool cachegen), and go run,
// which must print what the README says it prints.
func TestQuickStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a new module")
	}
	blocks := readmeBlocks(t)
	var files []string
	for k := range blocks {
		if name, ok := strings.CutPrefix(k, "file: "); ok {
			files = append(files, name)
		}
	}
	if len(files) != 2 || blocks["output"] == "" {
		t.Fatalf("README quick start markers: found files %v and output %q", files, blocks["output"])
	}

	root, _ := filepath.Abs("../..")
	dir := t.TempDir()
	// What "go mod init" writes, plus replace directives standing for the
	// published modules: the tool's and the runtime's.
	gomod := "module example.com/bookstore\n\ngo 1.26\n\n" +
		"replace github.com/cachegen/cachegen => " + root + "\n" +
		"replace github.com/cachegen/cachegen/cache => " + filepath.Join(root, "cache") + "\n"
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", gomod)
	var sums []byte
	for _, mod := range []string{".", "cache"} {
		sum, err := os.ReadFile(filepath.Join(root, mod, "go.sum"))
		if err != nil {
			t.Fatal(err)
		}
		sums = append(sums, sum...)
	}
	write("go.sum", string(sums))

	addr := "127.0.0.1:6379"
	redisURL := os.Getenv("CACHEGEN_REDIS_URL")
	if redisURL != "" {
		u, err := url.Parse(redisURL)
		if err != nil || u.Host == "" {
			t.Fatalf("CACHEGEN_REDIS_URL=%q: not a redis:// URL with a host (%v)", redisURL, err)
		}
		addr = u.Host
	}
	for _, name := range files {
		write(name, strings.ReplaceAll(blocks["file: "+name], `"127.0.0.1:6379"`, `"`+addr+`"`))
	}

	// go get -tool loads the tool module's whole module graph, the go.mod
	// of every module its dependencies name (pre-1.17 go.mod files are not
	// pruned), which building this repository does not download: on a
	// machine whose module cache has not seen them, list the graph here,
	// where the module proxy may be reached, so that the commands below can
	// run offline.
	list := exec.Command("go", "list", "-m", "all")
	list.Dir, list.Env = root, append(os.Environ(), "GOWORK=off")
	if out, err := list.CombinedOutput(); err != nil {
		t.Fatalf("go list -m all in %s: %v\n%s", root, err, out)
	}
	goCmd := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		// Offline: every module is in the cache once this repository builds.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	// The README's go get commands, at the replaced version.
	goCmd("get", "-tool", "github.com/cachegen/cachegen/cmd/cachegen@v0.0.0")
	goCmd("get", "github.com/cachegen/cachegen/cache@v0.0.0")
	goCmd("generate", "./...")
	gen, err := os.ReadFile(filepath.Join(dir, "bookrepository_cache.go"))
	if err != nil || !strings.Contains(string(gen), "func NewCachedBookRepository(") {
		t.Fatalf("go generate did not write the wrapper: %v", err)
	}
	goCmd("vet", ".")
	if redisURL == "" {
		t.Skip("generated and vetted; set CACHEGEN_REDIS_URL to run the quick start against a Redis")
	}
	if got := goCmd("run", "."); got != blocks["output"] {
		t.Fatalf("go run . printed:\n%s\nthe README says:\n%s", got, blocks["output"])
	}
}
