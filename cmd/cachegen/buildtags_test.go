package main

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestGeneratedBuildConstraints checks that each file generated in
// testdata/buildtags builds for exactly the platforms its interface's file
// builds for: GOOS=windows builds neither (and does not fail on a wrapper of
// an interface it does not have).
func TestGeneratedBuildConstraints(t *testing.T) {
	dir := filepath.Join(testdataDir, "buildtags")
	for gen, src := range map[string]string{"repo_cache.go": "repo_unix.go", "store_cache.go": "store_linux.go"} {
		for _, platform := range []string{"linux/amd64", "darwin/arm64", "windows/amd64", "freebsd/amd64"} {
			ctx := build.Default
			ctx.GOOS, ctx.GOARCH, _ = strings.Cut(platform, "/")
			ctx.BuildTags = nil
			wantOK, err := ctx.MatchFile(dir, src)
			if err != nil {
				t.Fatal(err)
			}
			gotOK, err := ctx.MatchFile(dir, gen)
			if err != nil {
				t.Fatal(err)
			}
			if gotOK != wantOK {
				t.Errorf("%s: %s builds: %v, but %s, declaring its interface: %v", platform, gen, gotOK, src, wantOK)
			}
		}
	}
}
