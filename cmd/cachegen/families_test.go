package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cachegen/cachegen/generator"
)

// TestFamilyTypesWithType: with --type, a family's members whose methods
// are in interfaces the run does not write are still checked against those
// of the interface it writes, and reported at its own member, naming the
// other's position.
func TestFamilyTypesWithType(t *testing.T) {
	dir := filepath.Join(testdataDir, "membertypes")
	_, err := generator.Load(generator.Config{Dir: dir, Patterns: []string{"./..."}, Types: []string{"Repo"}})
	var diags generator.Diagnostics
	if !errors.As(err, &diags) {
		t.Fatalf("want diagnostics, got %v", err)
	}
	abs, _ := filepath.Abs(dir)
	var got []string
	for _, d := range diags {
		got = append(got, d.Format(abs))
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		// other.Writer.SetAByName, not written, against Repo.GetA.
		"repo.go:16:33: namespace=a:{id}: {id} is int64 in GetA, but SetAByName names member 1 of family a with string (namespace=a:{name} at other/repo.go:7:34)",
		// Writer.SetBNumber, not written, against Repo.GetB.
		"repo.go:24:33: namespace=b:{slug}: {slug} is string in GetB, but SetBNumber names member 1 of family b with uint64 (namespace=b:{n} at repo.go:41:34)",
		// Both in Repo: at the later one, as without --type.
		"repo.go:18:34: namespace=a:{id}: {id} is int32 in SetA32, but GetA names member 1 of family a with int64",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("no diagnostic starting %q in:\n%s", want, all)
		}
	}
	if strings.Contains(all, "other/repo.go:7:34: ") {
		t.Errorf("a diagnostic at the member of an interface the run does not write:\n%s", all)
	}
}

// TestFamilyTypesPerRun: the check covers the packages of one run; run on
// the subpackage alone, its family a has one type and generates.
func TestFamilyTypesPerRun(t *testing.T) {
	res, err := generator.Load(generator.Config{Dir: filepath.Join(testdataDir, "membertypes"), Patterns: []string{"./other"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 1 {
		t.Fatalf("%d files, want 1", len(res.Files))
	}
}
