// Package docs holds the repository's documentation; its test keeps the
// Markdown files' relative links and the test names they quote valid.
package docs

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// root is the repository's root, seen from this package's directory.
const root = ".."

// skipDir reports whether the walk leaves out a directory: hidden ones
// (.git), scratch directories of tests (_scratch...) and node_modules.
func skipDir(name string) bool {
	return name != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "node_modules")
}

// files returns the repository's files whose names end with suffix.
func files(t *testing.T, suffix string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(path, suffix) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var (
	fence     = regexp.MustCompile("^\\s*(```|~~~)")
	codeSpan  = regexp.MustCompile("`[^`]*`")
	mdLink    = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)`)
	heading   = regexp.MustCompile(`^#{1,6}\s+(.*?)\s*#*\s*$`)
	testName  = regexp.MustCompile(`\b((?:Test|Benchmark|Fuzz)[A-Z][A-Za-z0-9_]*)(\(?)`)
	testFunc  = regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)[A-Za-z0-9_]*)\(`)
	schemeRef = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+.-]*:`)
)

// markdown is one Markdown file: its lines, which of them are prose
// (outside fenced code), and its headings' anchors.
type markdown struct {
	path    string
	lines   []string
	prose   []bool // prose[i]: lines[i] is outside fenced code
	anchors map[string]bool
}

func readMarkdown(t *testing.T, path string) *markdown {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	md := &markdown{path: path, anchors: map[string]bool{}}
	seen := map[string]int{}
	inFence := false
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		md.lines = append(md.lines, line)
		if fence.MatchString(line) {
			inFence = !inFence
		}
		md.prose = append(md.prose, !inFence && !fence.MatchString(line))
		if !md.prose[len(md.prose)-1] {
			continue
		}
		if m := heading.FindStringSubmatch(line); m != nil {
			a := anchor(m[1])
			if k := seen[a]; k > 0 {
				md.anchors[a+"-"+strconv.Itoa(k)] = true
			} else {
				md.anchors[a] = true
			}
			seen[a]++
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return md
}

// anchor returns GitHub's anchor of a heading's text: lower case, spaces
// to hyphens, punctuation but hyphens and underscores dropped, code and
// link markup reduced to its text.
func anchor(text string) string {
	text = mdLink.ReplaceAllStringFunc(text, func(s string) string { return s[strings.Index(s, "[")+1 : strings.Index(s, "]")] })
	var b strings.Builder
	for _, r := range strings.ToLower(text) {
		switch {
		case r == ' ':
			b.WriteByte('-')
		case r == '-' || r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// TestMarkdownLinks checks that every relative link and image of every
// Markdown file names a file or directory of the repository and, when it
// names a heading (#anchor) of a Markdown file, that the heading exists.
func TestMarkdownLinks(t *testing.T) {
	docs := map[string]*markdown{}
	load := func(path string) *markdown {
		if docs[path] == nil {
			docs[path] = readMarkdown(t, path)
		}
		return docs[path]
	}
	mds := files(t, ".md")
	if len(mds) == 0 {
		t.Fatal("no Markdown files found")
	}
	for _, path := range mds {
		md := load(path)
		for i, line := range md.lines {
			if !md.prose[i] {
				continue
			}
			n := i + 1
			for _, m := range mdLink.FindAllStringSubmatch(codeSpan.ReplaceAllString(line, ""), -1) {
				target := m[1]
				if schemeRef.MatchString(target) || strings.HasPrefix(target, "//") {
					continue // an absolute URL
				}
				file, frag, _ := strings.Cut(target, "#")
				dest := path
				if file != "" {
					dest = filepath.Join(filepath.Dir(path), filepath.FromSlash(file))
					if strings.HasPrefix(file, "/") {
						dest = filepath.Join(root, filepath.FromSlash(file))
					}
					if _, err := os.Stat(dest); err != nil {
						t.Errorf("%s:%d: link %s: no such file", rel(path), n, target)
						continue
					}
				}
				if frag != "" && strings.HasSuffix(dest, ".md") && !load(dest).anchors[strings.ToLower(frag)] {
					t.Errorf("%s:%d: link %s: %s has no heading #%s", rel(path), n, target, rel(dest), frag)
				}
			}
		}
	}
}

// TestQuotedTestNames checks that every test, benchmark or fuzz target that
// a Markdown file names (TestXxx, BenchmarkXxx, FuzzXxx) is a function of a
// _test.go file of the repository. A name followed by "(" is a pattern's
// stem (BenchmarkPeer(Hit|Miss)): some function must start with it.
func TestQuotedTestNames(t *testing.T) {
	funcs := map[string]bool{}
	for _, path := range files(t, "_test.go") {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range testFunc.FindAllStringSubmatch(string(b), -1) {
			funcs[m[1]] = true
		}
	}
	if len(funcs) == 0 {
		t.Fatal("no test functions found")
	}
	// The testing package's own names, and the placeholders docs use for
	// any test.
	for _, name := range []string{"TestMain", "TestXxx", "BenchmarkXxx", "FuzzXxx"} {
		funcs[name] = true
	}
	stem := func(s string) bool {
		for f := range funcs {
			if strings.HasPrefix(f, s) {
				return true
			}
		}
		return false
	}
	for _, path := range files(t, ".md") {
		md := readMarkdown(t, path)
		for i, line := range md.lines {
			n := i + 1
			for _, m := range testName.FindAllStringSubmatch(line, -1) {
				name, paren := m[1], m[2] != ""
				if funcs[name] || paren && stem(name) {
					continue
				}
				t.Errorf("%s:%d: %s names no test function of the repository", rel(path), n, name)
			}
		}
	}
}

// rel returns path relative to the repository's root, for messages.
func rel(path string) string {
	if r, err := filepath.Rel(root, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}
