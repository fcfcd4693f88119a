package generator

import (
	"fmt"
	"go/token"
	"go/types"
	"path/filepath"
)

// memberUse is one member of a namespace template, as one method names it:
// the {id} of item:{id}.
type memberUse struct {
	family string         // the template's family, item
	index  int            // the member's position in the template, from 0
	count  int            // the template's members: 2 for item:{tenant}:{id}
	text   string         // the path between braces, id or it.ID
	ns     string         // the namespace as written, item:{id}
	method string         // the method whose annotation names it
	typ    types.Type     // the type it is written as: the path's, pointers dereferenced
	orig   types.Type     // the path's type as declared
	pos    token.Pos      // of the path in the annotation
	at     token.Position // pos, resolved
	d      *ifaceDecl     // the interface being analysed, which reports its problems
	a      *analyzer      // the package, for type names
}

// derefMember makes the member at the end of path be written as what it
// points to, through any number of pointers: it appends a dereference to
// path for each pointer enc writes with [KeyPointer], and returns the
// encoding of the pointee. A nil pointer then makes the path unusable, as a
// nil pointer on a field path does: a write invalidates the whole family, a
// read bypasses the cache. So id *int64 names the member that id int64
// does, whichever method it appears in.
//
// A pointer written by its own MarshalText (*big.Int, whose pointee has no
// encoding of its own) is written by it, and only checked for nil.
func derefMember(path *ValuePath, enc *KeyEnc) *KeyEnc {
	for enc.Kind == KeyPointer {
		path.Fields = append(path.Fields, PathField{Deref: true, NilCheck: true})
		enc = enc.Elem
		path.Type = enc.Type
	}
	if _, isPtr := enc.Type.Underlying().(*types.Pointer); isPtr && enc.Kind == KeyText {
		path.Fields = append(path.Fields, PathField{Check: true, NilCheck: true})
		checked := *enc
		checked.Checked = true
		enc = &checked
	}
	return enc
}

// checkFamilies reports the members of one family (same family name, same
// position) that the methods of the run write with different key types:
// item:{id} with id int64 in one method and id string in another. The
// first one met is the reference; each other is reported at its own
// position, naming the first's (relative to dir), or, when its interface
// is not written in this run, at the first's.
func checkFamilies(runs []*analyzer, dir string) {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	type slot struct {
		family string
		index  int
	}
	first := map[slot]memberUse{}
	shape := map[string]memberUse{} // the first template of each family
	for _, a := range runs {
		for _, d := range a.decls {
			for _, u := range d.members {
				if ref, seen := shape[u.family]; !seen {
					shape[u.family] = u
				} else if u.index == 0 && u.count != ref.count {
					switch {
					case u.d.selected:
						u.d.r.errorf(u.pos, "%s", countMismatch(u, ref, dir))
					case ref.d.selected:
						ref.d.r.errorf(ref.pos, "%s", countMismatch(ref, u, dir))
					}
				}
				s := slot{u.family, u.index}
				ref, seen := first[s]
				if !seen {
					first[s] = u
					continue
				}
				if sameKeyType(ref.typ, u.typ) {
					continue
				}
				switch {
				case u.d.selected:
					u.d.r.errorf(u.pos, "%s", mismatch(u, ref, dir))
				case ref.d.selected:
					ref.d.r.errorf(ref.pos, "%s", mismatch(ref, u, dir))
				}
			}
		}
	}
}

// countMismatch says that u, reported at its position, and other name
// members of one family with templates of different lengths: a member of
// item:{tenant} is not one of item:{tenant}:{id}, so a write naming one
// would not make the reads of the other miss.
func countMismatch(u, other memberUse, dir string) string {
	return fmt.Sprintf("namespace=%s: family %s has %d value(s) per member here, but %d in %s (namespace=%s at %s): "+
		"a write invalidates the member it names, and a member of %d value(s) is not one of %d; "+
		"name the family's members with as many values everywhere, or invalidate the whole family (namespace=%s)",
		u.ns, u.family, u.count, other.count, other.method, other.ns, formatPos(dir, other.at), u.count, other.count, u.family)
}

// mismatch says that u, reported at its position, and other write one
// member of a family with different types.
func mismatch(u, other memberUse, dir string) string {
	want, got := other.a.typeName(other.typ), u.a.typeName(u.typ)
	if !types.Identical(u.orig, u.typ) {
		got = fmt.Sprintf("%s (written as %s)", u.a.typeName(u.orig), got)
	}
	return fmt.Sprintf("namespace=%s: {%s} is %s in %s, but %s names member %d of family %s with %s (namespace=%s at %s); "+
		"the methods of a run must name a family's members with one key type, so that writes and reads agree on them: "+
		"give {%s} type %s (or *%s: a pointer is written as what it points to)",
		u.ns, u.text, got, u.method, other.method, u.index+1, u.family, want, other.ns, formatPos(dir, other.at),
		u.text, want, want)
}

// sameKeyType reports whether members of types a and b (pointers already
// dereferenced) name the same members: identical types, or named types
// over the same basic type (type ItemID int64 and int64), which are both
// written as that basic type.
func sameKeyType(a, b types.Type) bool {
	if types.Identical(a, b) {
		return true
	}
	ba, okA := a.Underlying().(*types.Basic)
	bb, okB := b.Underlying().(*types.Basic)
	return okA && okB && types.Identical(ba, bb)
}
