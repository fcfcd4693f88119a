package generator

import (
	"errors"
	"fmt"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/tools/go/packages"
)

// BuildTag is set when cachegen loads packages. Generated files carry
// //go:build !cachegen, so a stale generated file never stops cachegen from
// loading the package it must regenerate.
const BuildTag = "cachegen"

// loadMode is what cachegen needs of each package.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
	packages.NeedTypes | packages.NeedTypesInfo | packages.NeedModule

// UsageError is a problem with how cachegen was asked to run, rather than
// with its input.
type UsageError string

func (e UsageError) Error() string { return string(e) }

// load loads the packages matching patterns in dir, with the cachegen tag.
func load(dir string, patterns []string) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Mode:       loadMode,
		Dir:        dir,
		BuildFlags: []string{"-tags=" + BuildTag},
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil || len(pkgs) == 0 {
		if noModule(dir) {
			return nil, errNoModule(dir)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("loading %s: %w", strings.Join(patterns, " "), err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("no packages match %s", strings.Join(patterns, " "))
	}
	return pkgs, nil
}

// noModule reports whether the go command finds no module (and no
// workspace) for dir.
func noModule(dir string) bool {
	cmd := exec.Command("go", "env", "GOMOD", "GOWORK")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return false
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return len(lines) > 0 && lines[0] == os.DevNull && (len(lines) < 2 || lines[1] == "" || lines[1] == "off")
}

func errNoModule(dir string) error {
	abs := absDir(dir)
	return errors.New("no go.mod found in " + abs + " or any directory above it: cachegen runs inside a Go module; " +
		"create one with go mod init <module path>, then go get github.com/cachegen/cachegen/cache")
}

func absDir(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return dir
	}
	return abs
}

// errorPos matches the "file:line:col" or "file:line" of a package error.
var errorPos = regexp.MustCompile(`^(.*?):(\d+)(?::(\d+))?$`)

// loadErrors returns the package's errors as diagnostics, keeping only those
// for which keep returns true (a nil keep keeps all).
func loadErrors(pkg *packages.Package, keep func(token.Position) bool) Diagnostics {
	var ds Diagnostics
	for _, e := range pkg.Errors {
		var pos token.Position
		if m := errorPos.FindStringSubmatch(e.Pos); m != nil {
			pos.Filename = m[1]
			pos.Line, _ = strconv.Atoi(m[2])
			pos.Column, _ = strconv.Atoi(m[3])
		}
		if keep != nil && !keep(pos) {
			continue
		}
		ds = append(ds, Diagnostic{Pos: pos, Message: "package " + pkg.PkgPath + " does not load: " + e.Msg})
	}
	return ds
}
