package main

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"
)

// helpExample is the annotated interface that --help shows;
// TestHelpExampleGenerates runs cachegen on it.
const helpExample = `//go:generate go tool cachegen
type BookRepository interface {
	// A read: served from Redis for 300 s, its entries in namespace books.
	//cache:expire=300 namespace=books
	GetBook(ctx context.Context, id int64) (Book, error)
	// A write: once it returns, no read returns data of namespace books
	// from before it.
	//cache:invalidate namespace=books
	UpdateBook(ctx context.Context, b Book) error
}`

// docsURL is where --help sends the reader for the annotation reference,
// the runtime's options and the guarantees.
const docsURL = "https://github.com/cachegen/cachegen#readme"

// helpTemplate is urfave/cli's application help followed by an example,
// the exit statuses and the documentation's address.
var helpTemplate = cli.AppHelpTemplate + `
EXAMPLE:
   In a package, beside the interface:

` + indent(helpExample, "      ") + `

   go generate ./...        writes bookrepository_cache.go: CachedBookRepository and
                            NewCachedBookRepository(next BookRepository, c *cache.Cache)
   cachegen --check ./...   in CI: writes nothing, exits 1 when a generated file is
                            missing, stale or left over

EXIT STATUS:
` + fmt.Sprintf(`   %d  done, also when there is nothing to generate
   %d  problems in the input (annotations, packages that do not load, no go.mod),
      files that cannot be written, or, with --check, stale files
   %d  bad usage: unknown flags, flags after the packages, --output with several interfaces
`, exitOK, exitProblem, exitUsage) + `
DOCUMENTATION:
   ` + docsURL + `
   (the annotations, the runtime's options, the Redis key layout, the guarantees)
`

// indent prefixes every line of s with prefix.
func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}
