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
//	cachegen [--type A,B] [--output file] [--check] [--explain] [--version] [packages]
//
// With no package, cachegen processes the package in the current directory.
// --output is relative to the package's directory. --check writes nothing
// and exits 1 when a generated file is missing, stale or left over from an
// interface that is gone. --explain writes nothing and prints what cachegen
// inferred from sqlc queries (see docs/sqlc.md). Problems in the annotations
// are printed as file:line:col: message, as the compiler prints its errors,
// all at once, and nothing is written; warnings (file:line:col: warning:
// message) do not stop generation.
// Exit status: 0 done, 1 problems in the input or stale files, 2 bad usage.
// See https://github.com/cachegen/cachegen for the annotation reference.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
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
	exitProblem = 1 // bad annotations, load errors, files that cannot be written, or stale files with --check
	exitUsage   = 2 // bad flags or arguments
)

// prefix starts every message cachegen prints.
const prefix = "cachegen: "

// run runs cachegen with args (args[0] is the program name) and returns the
// exit status.
func run(args []string, stdout, stderr io.Writer) int {
	status := exitOK
	usage := func(format string, a ...any) {
		fmt.Fprintf(stderr, prefix+format+"\n", a...)
		status = exitUsage
	}
	app := &cli.App{
		Name:      "cachegen",
		Usage:     "generate Redis-caching wrappers for //cache: annotated interfaces",
		UsageText: "cachegen [--type A,B] [--output file] [--check] [--explain] [--version] [packages]",
		Writer:    stdout,
		ErrWriter: stderr,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "type", Usage: "comma-separated interface names to wrap (default: every annotated interface)"},
			&cli.StringFlag{Name: "output", Usage: "output file, relative to the package's directory, for a single interface (default: <lowercased name>_cache.go beside it)"},
			&cli.BoolFlag{Name: "check", Usage: "write nothing; exit 1 and list the generated files that are missing, stale or left over"},
			&cli.BoolFlag{Name: "explain", Usage: "write nothing; print, per method running a sqlc query, the tables it reads and writes and the annotation cachegen uses"},
			&cli.BoolFlag{Name: "version", Usage: "print the version and exit"},
		},
		HideHelpCommand:       true,
		HideVersion:           true,
		CustomAppHelpTemplate: helpTemplate,
		Action: func(ctx *cli.Context) error {
			if ctx.Bool("version") {
				fmt.Fprintln(stdout, "cachegen", version())
				return nil
			}
			for _, a := range ctx.Args().Slice() {
				if strings.HasPrefix(a, "-") {
					usage("flag %s after the packages: put flags first, as cachegen --check ./...", a)
					return nil
				}
			}
			if ctx.Bool("explain") {
				status = explain(config(ctx), stdout, stderr)
				return nil
			}
			status = generate(config(ctx), ctx.Bool("check"), stdout, stderr)
			return nil
		},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			usage("%v", err)
			return nil
		},
	}
	if err := app.Run(args); err != nil {
		usage("%v", err)
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

// generate loads, renders and writes (or checks) the files of cfg, and
// removes (or reports) the generated files left over.
func generate(cfg generator.Config, check bool, stdout, stderr io.Writer) int {
	wd, _ := os.Getwd()
	res, err := generator.Load(cfg)
	var diags generator.Diagnostics
	var usageErr generator.UsageError
	switch {
	case errors.As(err, &diags):
		printDiagnostics(stderr, diags, wd)
		return exitProblem
	case errors.As(err, &usageErr):
		fmt.Fprintln(stderr, prefix+usageErr.Error())
		return exitUsage
	case err != nil:
		fmt.Fprintln(stderr, prefix+err.Error())
		return exitProblem
	}
	printDiagnostics(stderr, res.Warnings, wd)
	if len(res.Files) == 0 && len(res.Orphans) == 0 {
		fmt.Fprintln(stderr, prefix+"no interface has //cache: annotations; nothing to generate")
		return exitOK
	}
	rendered := make([][]byte, len(res.Files))
	for i, f := range res.Files {
		if rendered[i], err = templates.Render(f); err != nil {
			fmt.Fprintln(stderr, prefix+err.Error())
			return exitProblem
		}
	}
	if check {
		return checkFiles(res, rendered, wd, stdout, stderr)
	}
	for i, f := range res.Files {
		if _, err := generator.WriteFile(f.Path, rendered[i]); err != nil {
			fmt.Fprintln(stderr, prefix+err.Error())
			return exitProblem
		}
	}
	for _, path := range res.Orphans {
		if err := generator.RemoveGenerated(path); err != nil {
			fmt.Fprintln(stderr, prefix+err.Error())
			return exitProblem
		}
		fmt.Fprintf(stderr, "%sremoved %s: the interface it wrapped is gone\n", prefix, relPath(wd, path))
	}
	return exitOK
}

// printDiagnostics prints one diagnostic a line: file:line:col: first,
// as the Go compiler and vet do, so that editors and CI annotators jump to
// it; one without a position after cachegen's prefix.
func printDiagnostics(w io.Writer, diags generator.Diagnostics, wd string) {
	for _, d := range diags {
		line := d.Format(wd)
		if d.Pos.Filename == "" {
			line = prefix + line
		}
		fmt.Fprintln(w, line)
	}
}

// checkFiles lists the files that are missing, stale or left over.
func checkFiles(res *generator.Result, rendered [][]byte, wd string, stdout, stderr io.Writer) int {
	status := exitOK
	for i, f := range res.Files {
		stale, err := generator.IsStale(f.Path, rendered[i])
		if err != nil {
			fmt.Fprintln(stderr, prefix+err.Error())
			return exitProblem
		}
		if _, err := os.Stat(f.Path); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stdout, "%s is missing: run go generate to write it\n", relPath(wd, f.Path))
			status = exitProblem
			continue
		}
		if stale {
			fmt.Fprintf(stdout, "%s is stale: run go generate\n", relPath(wd, f.Path))
			status = exitProblem
		}
	}
	for _, path := range res.Orphans {
		if iface, ok := res.Unannotated[path]; ok {
			fmt.Fprintf(stdout, "%s is left over: interface %s is still declared but has no //cache: annotations any more (annotations written in a file sqlc generates are lost when it regenerates it: write them in the .sql file); run go generate to remove it\n", relPath(wd, path), iface)
			status = exitProblem
			continue
		}
		fmt.Fprintf(stdout, "%s is left over: the interface it wraps is gone; run go generate to remove it\n", relPath(wd, path))
		status = exitProblem
	}
	return status
}

func relPath(wd, path string) string {
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// version returns the version of the module cachegen was built from, as
// the go command recorded it: a tag such as v1.2.0 when installed with go
// install or go tool, (devel) with the commit when built in a checkout.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	return moduleVersion(bi)
}

// moduleVersion finds the module holding cachegen's main package: the main
// module when built in this repository, a dependency when go tool builds it
// in a user's module.
func moduleVersion(bi *debug.BuildInfo) string {
	mod := &bi.Main
	for _, dep := range bi.Deps {
		if strings.HasPrefix(bi.Path, dep.Path+"/") {
			mod = dep
		}
	}
	if mod.Replace != nil {
		mod = mod.Replace
	}
	v := mod.Version
	if v == "" || v == "(devel)" {
		v = "(devel)"
		if mod == &bi.Main {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && len(s.Value) >= 12 {
					v += " " + s.Value[:12]
				}
			}
		}
	}
	return v
}
