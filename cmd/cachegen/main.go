// Cachegen generates typed Redis-caching wrappers for Go repository
// interfaces annotated with //cache: comments.
//
// Add to a package:
//
//	//go:generate go tool cachegen
//	type BookRepository interface {
//		//cache:expire=300 namespace=books
//		GetBook(ctx context.Context, id int64) (Book, error)
//		//cache:invalidate namespace=books
//		UpdateBook(ctx context.Context, b Book) error
//	}
//
// and run go generate. For every interface with at least one annotation,
// cachegen writes <lowercased name>_cache.go beside it, declaring
// CachedBookRepository and NewCachedBookRepository(next, c *cache.Cache).
//
// Usage:
//
//	cachegen [--type A,B] [--output file] [--check] [packages]
//
// With no package, cachegen processes the package in the current directory.
// --check writes nothing and exits 1 when a generated file is missing or
// stale. Problems in the annotations are printed as file:line:col: cache:
// message, all at once, and nothing is written; the exit status is then 1.
// See https://github.com/cachegen/cachegen for the annotation reference.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cachegen/cachegen/generator"
	"github.com/cachegen/cachegen/templates"
	"github.com/urfave/cli/v2"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK      = 0
	exitProblem = 1 // bad annotations, load errors, or stale files with --check
	exitUsage   = 2 // bad flags or an internal failure
)

// run runs cachegen with args (args[0] is the program name) and returns the
// exit status.
func run(args []string, stdout, stderr io.Writer) int {
	status := exitOK
	app := &cli.App{
		Name:      "cachegen",
		Usage:     "generate Redis-caching wrappers for //cache: annotated interfaces",
		UsageText: "cachegen [--type A,B] [--output file] [--check] [packages]",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "type", Usage: "comma-separated interface names to wrap (default: every annotated interface)"},
			&cli.StringFlag{Name: "output", Usage: "output file, for a single interface (default: <lowercased name>_cache.go beside it)"},
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 and list the generated files that are missing or stale"},
		},
		HideHelpCommand: true,
		Action: func(ctx *cli.Context) error {
			status = generate(config(ctx), ctx.Bool("check"), stdout, stderr)
			return nil
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			fmt.Fprintf(stderr, "cachegen: %v\n", err)
			status = exitUsage
			return nil
		},
	}
	if err := app.Run(args); err != nil {
		fmt.Fprintf(stderr, "cachegen: %v\n", err)
		return exitUsage
	}
	return status
}

func config(ctx *cli.Context) generator.Config {
	cfg := generator.Config{Patterns: ctx.Args().Slice(), Output: ctx.String("output")}
	for _, t := range strings.Split(ctx.String("type"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			cfg.Types = append(cfg.Types, t)
		}
	}
	return cfg
}

// generate loads, renders and writes (or checks) the files of cfg.
func generate(cfg generator.Config, check bool, stdout, stderr io.Writer) int {
	wd, _ := os.Getwd()
	files, err := generator.Load(cfg)
	var diags generator.Diagnostics
	if errors.As(err, &diags) {
		for _, d := range diags {
			fmt.Fprintln(stderr, d.Format(wd))
		}
		return exitProblem
	}
	if err != nil {
		fmt.Fprintf(stderr, "cachegen: %v\n", err)
		return exitProblem
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "cachegen: no interface has //cache: annotations; nothing to generate")
		return exitOK
	}
	rendered := make([][]byte, len(files))
	for i, f := range files {
		if rendered[i], err = templates.Render(f); err != nil {
			fmt.Fprintf(stderr, "cachegen: %v\n", err)
			return exitUsage
		}
	}
	status := exitOK
	for i, f := range files {
		rel := relPath(wd, f.Path)
		if check {
			stale, err := generator.IsStale(f.Path, rendered[i])
			if err != nil {
				fmt.Fprintf(stderr, "cachegen: %v\n", err)
				return exitUsage
			}
			if stale {
				fmt.Fprintf(stdout, "%s is stale: run go generate\n", rel)
				status = exitProblem
			}
			continue
		}
		if _, err := generator.WriteFile(f.Path, rendered[i]); err != nil {
			fmt.Fprintf(stderr, "cachegen: %v\n", err)
			return exitProblem
		}
	}
	return status
}

func relPath(wd, path string) string {
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}
