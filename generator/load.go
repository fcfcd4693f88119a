package generator

import (
	"fmt"
	"go/token"
	"regexp"
	"strconv"

	"golang.org/x/tools/go/packages"
)

// BuildTag is set when cachegen loads packages. Generated files carry
// //go:build !cachegen, so a stale generated file never stops cachegen from
// loading the package it must regenerate.
const BuildTag = "cachegen"

// loadMode is what cachegen needs of each package.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedSyntax |
	packages.NeedTypes | packages.NeedTypesInfo

// load loads the packages matching patterns in dir, with the cachegen tag.
func load(dir string, patterns []string) ([]*packages.Package, error) {
	cfg := &packages.Config{
		Mode:       loadMode,
		Dir:        dir,
		BuildFlags: []string{"-tags=" + BuildTag},
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, fmt.Errorf("cache: loading %v: %w", patterns, err)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("cache: no packages match %v", patterns)
	}
	return pkgs, nil
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
