package main

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// schemaProgram is a service that reads book 1 through the generated
// wrapper and prints how many times it called its repository and what it
// got. Its Book type is written by each "deploy" below.
const schemaProgram = `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

type BookRepository interface {
	//cache:expire=5m namespace=books
	GetBook(ctx context.Context, id int64) (Book, error)
}

type repo struct{ loads int }

func (r *repo) GetBook(ctx context.Context, id int64) (Book, error) {
	r.loads++
	return current, nil
}

func main() {
	rdb := redis.NewClient(cache.RedisOptions(os.Getenv("SCHEMA_ADDR")))
	defer rdb.Close()
	c := cache.New(cache.NewRedisStore(rdb), cache.WithPrefix(os.Getenv("SCHEMA_PREFIX")))
	defer c.Close() // a miss's entry is stored after the read returns
	r := &repo{}
	b, err := NewCachedBookRepository(r, c).GetBook(context.Background(), 1)
	fmt.Printf("loads=%d book=%+v err=%v\n", r.loads, b, err)
}
`

// TestSchemaChangeBetweenDeploys runs deploys of one service, each a
// separate process with its own version of the result type, against one
// Redis, in the order of a rolling deploy and back: a deploy never reads an
// entry written under another shape, each keeps hitting its own, and the
// generated file does not even need regenerating for that.
func TestSchemaChangeBetweenDeploys(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs programs")
	}
	addr := ""
	if redisURL := os.Getenv("CACHEGEN_REDIS_URL"); redisURL != "" {
		u, err := url.Parse(redisURL)
		if err != nil || u.Host == "" {
			t.Fatalf("CACHEGEN_REDIS_URL=%q: not a redis:// URL with a host (%v)", redisURL, err)
		}
		addr = u.Host
	} else {
		mr := miniredis.RunT(t)
		addr = mr.Addr()
	}
	prefix := fmt.Sprintf("cgtest:schema:%d", time.Now().UnixNano())

	dir, err := os.MkdirTemp(testdataDir, "_schema")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	deploys := map[string]string{
		"v1":      "type Book struct {\n\tID    int64  `json:\"id\"`\n\tTitle string `json:\"title\"`\n}\n\nvar current = Book{1, \"v1\"}\n",
		"added":   "type Book struct {\n\tID         int64  `json:\"id\"`\n\tTitle      string `json:\"title\"`\n\tPriceCents int64  `json:\"price_cents\"`\n}\n\nvar current = Book{1, \"added\", 1500}\n",
		"renamed": "type Book struct {\n\tID    int64  `json:\"id\"`\n\tTitle string `json:\"name\"`\n}\n\nvar current = Book{1, \"renamed\"}\n",
		"retyped": "type Book struct {\n\tID    string `json:\"id\"`\n\tTitle string `json:\"title\"`\n}\n\nvar current = Book{\"1\", \"retyped\"}\n",
	}
	write("main.go", schemaProgram)
	write("book.go", "package main\n\n"+deploys["v1"])
	if st, _, errOut := runIn(t, dir); st != 0 {
		t.Fatalf("cachegen: status %d: %s", st, errOut)
	}
	generated, err := os.ReadFile(filepath.Join(dir, "bookrepository_cache.go"))
	if err != nil {
		t.Fatal(err)
	}

	run := func(deploy string) string {
		t.Helper()
		write("book.go", "package main\n\n"+deploys[deploy])
		if st, out, _ := runIn(t, dir, "--check"); st != 0 {
			t.Fatalf("%s: the generated file should not depend on Book's fields: --check says %q", deploy, out)
		}
		cmd := exec.Command("go", "run", ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "SCHEMA_ADDR="+addr, "SCHEMA_PREFIX="+prefix)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: go run: %v\n%s", deploy, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for _, step := range []struct{ deploy, want string }{
		{"v1", "loads=1 book={ID:1 Title:v1} err=<nil>"},
		{"v1", "loads=0 book={ID:1 Title:v1} err=<nil>"}, // its own entry: a hit
		{"added", "loads=1 book={ID:1 Title:added PriceCents:1500} err=<nil>"},
		{"v1", "loads=0 book={ID:1 Title:v1} err=<nil>"}, // the old deploy, still running
		{"added", "loads=0 book={ID:1 Title:added PriceCents:1500} err=<nil>"},
		{"renamed", "loads=1 book={ID:1 Title:renamed} err=<nil>"},
		{"retyped", "loads=1 book={ID:1 Title:retyped} err=<nil>"},
		{"v1", "loads=0 book={ID:1 Title:v1} err=<nil>"},
	} {
		if got := run(step.deploy); got != step.want {
			t.Errorf("deploy %s printed %q, want %q", step.deploy, got, step.want)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "bookrepository_cache.go")); string(after) != string(generated) {
		t.Error("the generated file changed")
	}
}
