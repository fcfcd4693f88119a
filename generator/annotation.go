package generator

import (
	"go/ast"
	"go/token"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// annotationPrefix starts every annotation line.
const annotationPrefix = "//cache:"

// annotation is one parsed //cache: line.
type annotation struct {
	pos        token.Pos // of the comment
	invalidate bool
	external   bool          // the namespaces it invalidates may be cached outside the module: not checked for typos
	expire     time.Duration // zero when absent
	expirePos  token.Pos
	namespaces []string
	nsPos      []token.Pos // of each namespace
	hasNS      bool
	keys       []string
	keyPos     []token.Pos // of each key
	hasKey     bool
	templates  []*nsTemplate // per namespace: nil, or the template's members
	notFound   []listItem    // notfound= error variables
	nfExpire   time.Duration // notfound-expire=, zero when absent
	nfPos      token.Pos     // of notfound-expire=
	batch      *batchOpts    // batch and by=, nil when absent (see batch.go)
	refresh    time.Duration // refresh=, zero when absent
	refreshPos token.Pos     // of refresh='s value
}

// nsTemplate is a namespace written as a template, item:{id} or
// item:{it.Tenant}:{it.ID}: a fixed family name, then one or more members,
// each a parameter or a field path of one.
type nsTemplate struct {
	family  string
	members []listItem // the paths between braces, with their positions
}

// options lists the annotation's options, for "did you mean".
var options = []string{"expire", "namespace", "key", "invalidate", "notfound", "notfound-expire", "refresh", "batch", "by", "external"}

// spacedAnnotation matches an annotation written with a space after //.
var spacedAnnotation = regexp.MustCompile(`^//\s+cache:\s*(expire|namespace|key|invalidate|notfound)\b`)

// isAnnotation reports whether c is a //cache: line.
func isAnnotation(c *ast.Comment) bool { return strings.HasPrefix(c.Text, annotationPrefix) }

// checkSpaced reports an annotation-like comment with a space after //,
// which Go tools and cachegen do not read as a directive.
func checkSpaced(r *reporter, c *ast.Comment) {
	if m := spacedAnnotation.FindString(c.Text); m != "" {
		rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(c.Text, "//")), "cache:"))
		r.errorf(c.Slash, "annotation written with a space: write %q (no space after //) so it is read", annotationPrefix+rest)
	}
}

// parseAnnotation parses one //cache: comment, reporting every problem.
// It returns nil when the line is unusable.
func parseAnnotation(r *reporter, c *ast.Comment) *annotation {
	a := &annotation{pos: c.Slash}
	body := c.Text[len(annotationPrefix):]
	base := c.Slash + token.Pos(len(annotationPrefix))
	seen := map[string]bool{}
	ok := true
	for _, f := range fields(body) {
		pos := base + token.Pos(f.off)
		name, value, hasValue := strings.Cut(f.text, "=")
		valuePos := pos + token.Pos(len(name)+1)
		if !slices.Contains(options, name) {
			msg := "unknown option " + strconv.Quote(name)
			if s := suggest(name); s != "" {
				msg += "; did you mean " + strconv.Quote(s) + "?"
			} else {
				msg += "; the options are expire=, namespace=, key=, notfound=, notfound-expire=, refresh=, invalidate, external, batch and by="
			}
			r.errorf(pos, "%s", msg)
			ok = false
			continue
		}
		if seen[name] {
			r.errorf(pos, "duplicate option %q: give each option once", name)
			ok = false
			continue
		}
		seen[name] = true
		if name != "invalidate" && name != "batch" && name != "external" && !hasValue {
			r.errorf(pos, "%s needs a value: write %s=%s", name, name, map[string]string{"expire": "300", "namespace": "books", "key": "id", "notfound": "ErrNotFound", "notfound-expire": "60", "refresh": "30"}[name])
			ok = false
			continue
		}
		switch name {
		case "batch", "by":
			ok = parseBatchOption(r, a, name, value, hasValue, pos, valuePos) && ok
		case "external":
			if hasValue {
				r.errorf(pos, "external takes no value: write //cache:invalidate namespace=... external")
				ok = false
			}
			a.external = true
		case "invalidate":
			if hasValue {
				r.errorf(pos, "invalidate takes no value: write invalidate namespace=%s", value)
				ok = false
			}
			a.invalidate = true
		case "expire":
			d, msg := parseTTL(value)
			if msg != "" {
				r.errorf(valuePos, "%s", msg)
				ok = false
			}
			a.expire, a.expirePos = d, valuePos
		case "namespace":
			a.hasNS = true
			for _, item := range splitList(value, valuePos) {
				var tmpl *nsTemplate
				if strings.Contains(item.text, ":{") {
					if tmpl = parseTemplate(r, item); tmpl == nil {
						ok = false
						continue
					}
				} else if !validName(item.text) {
					r.errorf(item.pos, "invalid namespace %q: use letters, digits and . _ - : / (not { } * ? [ ] or spaces)", item.text)
					ok = false
					continue
				}
				a.namespaces = append(a.namespaces, item.text)
				a.nsPos = append(a.nsPos, item.pos)
				a.templates = append(a.templates, tmpl)
			}
			if len(a.namespaces) == 0 && ok {
				r.errorf(valuePos, "namespace= needs at least one namespace, as namespace=books or namespace=books,authors")
				ok = false
			}
		case "notfound":
			for _, item := range splitList(value, valuePos) {
				if !isQualifiedIdent(item.text) {
					r.errorf(item.pos, "notfound= lists error variables (notfound=ErrNotFound,sql.ErrNoRows) or error types (notfound=*NotFoundError); %q is not one", item.text)
					ok = false
					continue
				}
				a.notFound = append(a.notFound, item)
			}
			if len(a.notFound) == 0 && ok {
				r.errorf(valuePos, "notfound= needs at least one error variable, as notfound=ErrNotFound")
				ok = false
			}
		case "notfound-expire":
			d, msg := parseTTL(value)
			if msg != "" {
				r.errorf(valuePos, "%s", strings.Replace(msg, "expire=", "notfound-expire=", 1))
				ok = false
			}
			a.nfExpire, a.nfPos = d, pos
		case "refresh":
			d, msg := parseTTL(value)
			if msg != "" {
				r.errorf(valuePos, "%s", strings.Replace(msg, "expire=", "refresh=", 1))
				ok = false
			}
			a.refresh, a.refreshPos = d, valuePos
		case "key":
			a.hasKey = true
			for _, item := range splitList(value, valuePos) {
				if !isPath(item.text) {
					r.errorf(item.pos, "key= lists parameters, fields or getters of them (key=id, key=f.Email, key=t.UUID()); %q is not one", item.text)
					ok = false
					continue
				}
				a.keys = append(a.keys, item.text)
				a.keyPos = append(a.keyPos, item.pos)
			}
			if len(a.keys) == 0 && ok {
				r.errorf(valuePos, "key= needs at least one parameter name; leave key= out to key on every parameter")
				ok = false
			}
		}
	}
	if len(seen) == 0 {
		r.errorf(c.Slash, "empty annotation: write //cache:expire=<ttl> namespace=<ns> on a read, or //cache:invalidate namespace=<ns> on a write")
		return nil
	}
	if !ok || !checkBatchOptions(r, a, seen) {
		return nil
	}
	if a.external && !a.invalidate {
		r.errorf(c.Slash, "external applies to invalidate: it says that the namespaces a write invalidates may be cached outside this module")
		return nil
	}
	if a.invalidate {
		if seen["expire"] {
			r.errorf(a.expirePos, "a method cannot both cache (expire=) and invalidate: drop one")
			return nil
		}
		if a.hasKey {
			r.errorf(a.keyPos[0], "key= applies to cached reads, not to invalidate")
			return nil
		}
		if seen["refresh"] {
			r.errorf(a.refreshPos, "refresh= applies to cached reads, not to invalidate")
			return nil
		}
		if len(a.notFound) > 0 || seen["notfound-expire"] {
			r.errorf(c.Slash, "notfound= and notfound-expire= apply to cached reads, not to invalidate")
			return nil
		}
		return a
	}
	if seen["notfound-expire"] && len(a.notFound) == 0 {
		r.errorf(a.nfPos, "notfound-expire= needs notfound= naming the errors to cache, as notfound=ErrNotFound notfound-expire=60")
		ok = false
	}
	if seen["refresh"] && a.refresh >= a.expire && a.expire > 0 {
		r.errorf(a.refreshPos, "refresh=%v must be shorter than expire=%v: it is the time before expiry from which a hit reloads the entry in the background", a.refresh, a.expire)
		ok = false
	}
	if !seen["expire"] {
		r.errorf(c.Slash, "missing expire=<ttl> on a cached method, as //cache:expire=300 namespace=books (or //cache:invalidate for a write)")
		ok = false
	}
	if !a.hasNS {
		r.errorf(c.Slash, "missing namespace= on a cached method, as //cache:expire=300 namespace=books")
		ok = false
	}
	if !ok {
		return nil
	}
	return a
}

// parseTTL parses whole seconds or a Go duration; it returns a message when
// the value is not a positive TTL.
func parseTTL(s string) (time.Duration, string) {
	const want = "want whole seconds (expire=300) or a Go duration (expire=5m, expire=1h30m)"
	if s == "" {
		return 0, "expire= needs a value: " + want
	}
	var d time.Duration
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		if n > int64(1<<63-1)/int64(time.Second) {
			return 0, "expire=" + s + " is too long"
		}
		d = time.Duration(n) * time.Second
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, "bad expire=" + s + ": " + want
	}
	if d <= 0 {
		return 0, "expire=" + s + " must be positive"
	}
	if d < time.Millisecond {
		return 0, "expire=" + s + " is shorter than Redis's 1ms resolution"
	}
	return d, ""
}

// isPath reports whether s is an identifier or a dotted path of them, each
// after the first maybe a call without arguments: f.Email, t.UUID(),
// f.Owner().ID.
func isPath(s string) bool {
	for i, part := range strings.Split(s, ".") {
		if i > 0 {
			part = strings.TrimSuffix(part, "()")
		}
		if !token.IsIdentifier(part) {
			return false
		}
	}
	return true
}

// isQualifiedIdent reports whether s is an identifier, or a package name
// and an identifier, with an optional * before: ErrNotFound, sql.ErrNoRows,
// *NotFoundError.
func isQualifiedIdent(s string) bool {
	s = strings.TrimPrefix(s, "*")
	pkg, name, qualified := strings.Cut(s, ".")
	if !qualified {
		return token.IsIdentifier(s)
	}
	return token.IsIdentifier(pkg) && token.IsIdentifier(name)
}

// parseTemplate parses a namespace template, family:{path}[:{path}...],
// reporting its problems; it returns nil when it has any.
func parseTemplate(r *reporter, item listItem) *nsTemplate {
	family, rest, _ := strings.Cut(item.text, ":{")
	bad := func(at int, format string, args ...any) *nsTemplate {
		r.errorf(item.pos+token.Pos(at), format, args...)
		return nil
	}
	const how = "write a template as a fixed name, then :{param} or :{param.Field} segments, as item:{id} or item:{it.Tenant}:{it.ID}"
	if !validName(family) {
		return bad(0, "invalid namespace %q: the family before :{ must be a namespace name (letters, digits and . _ - : /); %s", item.text, how)
	}
	t := &nsTemplate{family: family}
	off := len(family) + 2 // after "family:{"
	rest = "{" + rest
	for {
		body, after, closed := strings.Cut(rest[1:], "}")
		if !closed {
			return bad(off-1, "invalid namespace %q: a { is not closed; %s", item.text, how)
		}
		if !isPath(body) && !isResultPath(body) {
			return bad(off, "invalid namespace %q: {%s} must name a parameter or a field path of one; %s", item.text, body, how)
		}
		t.members = append(t.members, listItem{body, item.pos + token.Pos(off)})
		off += len(body) + 1
		if after == "" {
			return t
		}
		if !strings.HasPrefix(after, ":{") {
			return bad(off, "invalid namespace %q: after } comes :{ and another member, or the end; %s", item.text, how)
		}
		rest = after[1:]
		off += 2
	}
}

// suggest returns the option closest to s, if one is close enough.
func suggest(s string) string {
	s = strings.ToLower(s)
	if best := closest(s, options); best != "" || s == "" {
		return best
	}
	for _, o := range options { // an abbreviation: "exp", "inv"
		if strings.HasPrefix(o, s) {
			return o
		}
	}
	return ""
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

type field struct {
	text string
	off  int
}

// fields splits s at spaces and tabs, keeping each field's byte offset.
func fields(s string) []field {
	var out []field
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' || s[i] == '\t' {
			if start >= 0 {
				out = append(out, field{s[start:i], start})
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	return out
}

type listItem struct {
	text string
	pos  token.Pos
}

// splitList splits a comma-separated value starting at pos, dropping empty
// items.
func splitList(s string, pos token.Pos) []listItem {
	var out []listItem
	off := 0
	for _, part := range strings.Split(s, ",") {
		if part != "" {
			out = append(out, listItem{part, pos + token.Pos(off)})
		}
		off += len(part) + 1
	}
	return out
}
