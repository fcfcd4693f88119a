package generator

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/types"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cachegen/cachegen/generator/internal/exactpool"
)

// A shape is a type the exactness fuzz test builds twice, from the same
// choices: as Go source for go/types and the checker, and as a reflect.Type
// for the round trip. Named, recursive and method-bearing types come from
// package exactpool (reflect.StructOf cannot make them); unnamed structs,
// pointers, slices, arrays and maps around them are made at run time.
type shape struct {
	kind   shapeKind
	leaf   *leafType    // leafShape
	elem   *shape       // ptrShape, sliceShape, arrayShape, mapShape
	key    *leafType    // mapShape
	n      int          // arrayShape
	fields []fieldShape // structShape
}

type shapeKind int

const (
	leafShape shapeKind = iota
	ptrShape
	sliceShape
	arrayShape
	mapShape
	structShape
)

// fieldShape is one field of a struct shape.
type fieldShape struct {
	name     string // the Go name; an embedded field's is its type's
	embedded bool
	typ      *shape
	tag      string // the whole tag: `json:"x,omitempty"`, or ""
}

// leafType is a type the shapes use by name.
type leafType struct {
	src        string // as the shape's source writes it
	rt         reflect.Type
	trusted    bool // encodes and decodes itself with its own methods
	embeddable bool // reflect.StructOf can embed it
}

// name is the name of an embedded field of the leaf type.
func (l *leafType) name() string { return l.src[strings.LastIndex(l.src, ".")+1:] }

func leaf[T any](src string, trusted bool) *leafType {
	rt := reflect.TypeFor[T]()
	name := src[strings.LastIndex(src, ".")+1:]
	// StructOf cannot promote methods, and source cannot embed unnamed or
	// unexported types.
	embeddable := rt.Name() != "" && reflect.PointerTo(rt).NumMethod() == 0 &&
		rt.Kind() != reflect.Interface && name[0] >= 'A' && name[0] <= 'Z' && canEmbed(name, rt)
	return &leafType{src: src, rt: rt, trusted: trusted, embeddable: embeddable}
}

// canEmbed reports whether reflect.StructOf embeds rt beside another field
// (it refuses some named pointer-shaped types even without methods).
func canEmbed(name string, rt reflect.Type) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	reflect.StructOf([]reflect.StructField{{Name: "Z", Type: rt}, {Name: name, Type: rt, Anonymous: true}})
	return true
}

// leaves are the types a shape names; the first ones are the most common.
var leaves = []*leafType{
	leaf[int]("int", false),
	leaf[string]("string", false),
	leaf[bool]("bool", false),
	leaf[int8]("int8", false),
	leaf[uint8]("uint8", false),
	leaf[uint64]("uint64", false),
	leaf[float32]("float32", false),
	leaf[float64]("float64", false),
	leaf[time.Time]("time.Time", true),
	leaf[big.Int]("big.Int", true),
	leaf[big.Rat]("big.Rat", true),
	leaf[json.RawMessage]("json.RawMessage", true),
	leaf[json.Number]("json.Number", false),
	leaf[any]("any", false),
	leaf[complex64]("complex64", false),
	leaf[func()]("func()", false),
	leaf[exactpool.Base]("exactpool.Base", false),
	leaf[exactpool.Tagged]("exactpool.Tagged", false),
	leaf[exactpool.Nested]("exactpool.Nested", false),
	leaf[exactpool.NestedPtr]("exactpool.NestedPtr", false),
	leaf[exactpool.OnlyPtr]("exactpool.OnlyPtr", false),
	leaf[exactpool.OnlyPtrs]("exactpool.OnlyPtrs", false),
	leaf[exactpool.Twice]("exactpool.Twice", false),
	leaf[exactpool.Opt]("exactpool.Opt", false),
	leaf[exactpool.OptStruct]("exactpool.OptStruct", false),
	leaf[exactpool.Empty]("exactpool.Empty", false),
	leaf[exactpool.Hidden]("exactpool.Hidden", false),
	leaf[exactpool.HiddenPtr]("exactpool.HiddenPtr", false),
	leaf[exactpool.TaggedHidden]("exactpool.TaggedHidden", false),
	leaf[exactpool.TaggedHiddenPtr]("exactpool.TaggedHiddenPtr", false),
	leaf[exactpool.Private]("exactpool.Private", false),
	leaf[exactpool.Dashed]("exactpool.Dashed", false),
	leaf[exactpool.Self]("exactpool.Self", false),
	leaf[exactpool.Node]("exactpool.Node", false),
	leaf[exactpool.Left]("exactpool.Left", false),
	leaf[exactpool.Right]("exactpool.Right", false),
	leaf[exactpool.Quoted]("exactpool.Quoted", false),
	leaf[exactpool.Zeroes]("exactpool.Zeroes", false),
	leaf[exactpool.Ledger]("exactpool.Ledger", false),
	leaf[exactpool.BaseAlias]("exactpool.BaseAlias", false),
	leaf[exactpool.Octet]("exactpool.Octet", false),
	leaf[exactpool.Octets]("exactpool.Octets", false),
	leaf[exactpool.ValJSON]("exactpool.ValJSON", true),
	leaf[exactpool.PtrJSON]("exactpool.PtrJSON", true),
	leaf[exactpool.ZeroNull]("exactpool.ZeroNull", true),
	leaf[exactpool.JSONInt]("exactpool.JSONInt", true),
	leaf[exactpool.Code]("exactpool.Code", true),
	leaf[exactpool.PtrCode]("exactpool.PtrCode", true),
	leaf[exactpool.TextInt]("exactpool.TextInt", true),
	leaf[exactpool.HalfTextInt]("exactpool.HalfTextInt", false),
	leaf[exactpool.TextStr]("exactpool.TextStr", true),
	leaf[exactpool.TextByte]("exactpool.TextByte", true),
	leaf[exactpool.OnlyMarshal]("exactpool.OnlyMarshal", false),
	leaf[exactpool.OnlyUnmarshal]("exactpool.OnlyUnmarshal", false),
	leaf[exactpool.Zeroish]("exactpool.Zeroish", false),
	leaf[exactpool.PtrZeroish]("exactpool.PtrZeroish", false),
	leaf[exactpool.Stamped]("exactpool.Stamped", false),
	leaf[exactpool.StampOnly]("exactpool.StampOnly", false),
	leaf[exactpool.StampPtr]("exactpool.StampPtr", false),
	leaf[exactpool.WrapBig]("exactpool.WrapBig", false),
	leaf[exactpool.WrapPtrJSON]("exactpool.WrapPtrJSON", false),
	leaf[exactpool.WrapValJSON]("exactpool.WrapValJSON", false),
	leaf[exactpool.WrapTextInt]("exactpool.WrapTextInt", false),
	leaf[exactpool.HasZeroish]("exactpool.HasZeroish", false),
}

// keyLeaves are the map key types.
var keyLeaves = []*leafType{
	leaf[string]("string", false),
	leaf[int]("int", false),
	leaf[exactpool.Code]("exactpool.Code", true),
	leaf[int8]("int8", false),
	leaf[uint64]("uint64", false),
	leaf[exactpool.TextInt]("exactpool.TextInt", true),
	leaf[exactpool.TextStr]("exactpool.TextStr", true),
	leaf[exactpool.PtrCode]("exactpool.PtrCode", true),
	leaf[exactpool.HalfTextInt]("exactpool.HalfTextInt", false),
	leaf[exactpool.Octet]("exactpool.Octet", false),
	leaf[bool]("bool", false),
	leaf[float64]("float64", false),
}

// fieldNames are the Go names of fields; they meet each other, the pool's
// field names and the tags' names often.
var fieldNames = []string{"ID", "Name", "X", "Note", "A", "id", "x", "_", "Base", "V"}

// tags are the field tags, chosen to make JSON names meet and to use every
// option.
var tags = []string{
	``,
	`json:"id"`,
	`json:",omitempty"`,
	`json:"ID"`,
	`json:"Name"`,
	`json:"-"`,
	`json:",string"`,
	`json:",omitzero"`,
	`json:"x,omitempty"`,
	`json:"Id"`,
	`json:"name"`,
	`json:"-,"`,
	`json:"x"`,
	`json:"Note,string"`,
	`json:"id,omitzero"`,
	`json:"€"`,
	`json:"é"`,
	`json:"a b"`,
	`json:",omitempty,string"`,
	`json:"x,omitempty,omitzero"`,
	`xml:"x"`,
	`json:"A\\"`,
	`json:"k"`,
	"json:\"\u212a\"", // the Kelvin sign, which folds to k
}

// chooser turns fuzz bytes into choices; when they run out every choice is
// 0, the simplest.
type chooser struct {
	data []byte
	used int
}

func (c *chooser) pick(n int) int {
	if c.used >= len(c.data) {
		return 0
	}
	b := c.data[c.used]
	c.used++
	return int(b) % n
}

// maxShapeDepth bounds how deep shapes nest.
const maxShapeDepth = 4

// top chooses the shape of a result: most often a struct.
func (c *chooser) top() *shape {
	if c.pick(4) < 3 {
		return c.structOf(1)
	}
	return c.typ(0)
}

// typ chooses any shape.
func (c *chooser) typ(depth int) *shape {
	k := c.pick(9)
	if depth >= maxShapeDepth {
		k = 0
	}
	switch k {
	case 4:
		return &shape{kind: ptrShape, elem: c.typ(depth + 1)}
	case 5:
		return &shape{kind: sliceShape, elem: c.typ(depth + 1)}
	case 6:
		return &shape{kind: arrayShape, n: c.pick(3), elem: c.typ(depth + 1)}
	case 7:
		return &shape{kind: mapShape, key: keyLeaves[c.pick(len(keyLeaves))], elem: c.typ(depth + 1)}
	case 8:
		return c.structOf(depth + 1)
	}
	return &shape{kind: leafShape, leaf: leaves[c.pick(len(leaves))]}
}

// structOf chooses an unnamed struct; fields whose Go name is taken are
// left out, as Go does not allow them.
func (c *chooser) structOf(depth int) *shape {
	s := &shape{kind: structShape}
	n := c.pick(6)
	taken := map[string]bool{}
	for range n {
		var f fieldShape
		switch c.pick(4) {
		case 1, 2:
			l := embeddables[c.pick(len(embeddables))]
			f = fieldShape{name: l.name(), embedded: true, typ: &shape{kind: leafShape, leaf: l}}
			if c.pick(2) == 1 {
				f.typ = &shape{kind: ptrShape, elem: f.typ}
			}
		default:
			f = fieldShape{name: fieldNames[c.pick(len(fieldNames))], typ: c.typ(depth)}
		}
		f.tag = tags[c.pick(len(tags))]
		if taken[f.name] && f.name != "_" {
			continue
		}
		taken[f.name] = true
		s.fields = append(s.fields, f)
	}
	return s
}

// embeddables are the leaves a struct shape may embed.
var embeddables = func() []*leafType {
	var ls []*leafType
	for _, l := range leaves {
		if l.embeddable {
			ls = append(ls, l)
		}
	}
	return ls
}()

// source writes the shape as Go source.
func (s *shape) source() string {
	switch s.kind {
	case ptrShape:
		return "*" + s.elem.source()
	case sliceShape:
		return "[]" + s.elem.source()
	case arrayShape:
		return fmt.Sprintf("[%d]%s", s.n, s.elem.source())
	case mapShape:
		return "map[" + s.key.src + "]" + s.elem.source()
	case structShape:
		var b strings.Builder
		b.WriteString("struct {")
		for i, f := range s.fields {
			if i > 0 {
				b.WriteString(";")
			}
			b.WriteString(" ")
			if !f.embedded {
				b.WriteString(f.name + " ")
			}
			b.WriteString(f.typ.source())
			if f.tag != "" {
				b.WriteString(" `" + f.tag + "`")
			}
		}
		b.WriteString(" }")
		return b.String()
	}
	return s.leaf.src
}

// rtype builds the shape at run time.
func (s *shape) rtype() reflect.Type {
	switch s.kind {
	case ptrShape:
		return reflect.PointerTo(s.elem.rtype())
	case sliceShape:
		return reflect.SliceOf(s.elem.rtype())
	case arrayShape:
		return reflect.ArrayOf(s.n, s.elem.rtype())
	case mapShape:
		return reflect.MapOf(s.key.rt, s.elem.rtype())
	case structShape:
		fs := make([]reflect.StructField, len(s.fields))
		for i, f := range s.fields {
			fs[i] = reflect.StructField{Name: f.name, Type: f.typ.rtype(), Tag: reflect.StructTag(f.tag), Anonymous: f.embedded}
			if !f.embedded && !(f.name[0] >= 'A' && f.name[0] <= 'Z') {
				fs[i].PkgPath = "shape"
			}
		}
		return reflect.StructOf(fs)
	}
	return s.leaf.rt
}

// choicesFor returns the fuzz input that makes the shape of src, a type
// written as shape.source writes it, from the leaves, field names and tags
// above: seeds and regressions are written as Go.
func choicesFor(src string) ([]byte, error) {
	e, err := parser.ParseExpr(src)
	if err != nil {
		return nil, err
	}
	var b []byte
	if st, ok := e.(*ast.StructType); ok {
		b = append(b, 0)
		err = structChoices(&b, st)
	} else {
		b = append(b, 3)
		err = typChoices(&b, e)
	}
	return b, err
}

// typChoices appends the choices chooser.typ makes for e.
func typChoices(b *[]byte, e ast.Expr) error {
	switch e := e.(type) {
	case *ast.StarExpr:
		*b = append(*b, 4)
		return typChoices(b, e.X)
	case *ast.ArrayType:
		if e.Len == nil {
			*b = append(*b, 5)
			return typChoices(b, e.Elt)
		}
		n, err := strconv.Atoi(e.Len.(*ast.BasicLit).Value)
		if err != nil {
			return err
		}
		*b = append(*b, 6, byte(n))
		return typChoices(b, e.Elt)
	case *ast.MapType:
		i, err := leafIndex(keyLeaves, e.Key)
		if err != nil {
			return err
		}
		*b = append(*b, 7, byte(i))
		return typChoices(b, e.Value)
	case *ast.StructType:
		*b = append(*b, 8)
		return structChoices(b, e)
	}
	i, err := leafIndex(leaves, e)
	*b = append(*b, 0, byte(i))
	return err
}

// structChoices appends the choices chooser.structOf makes for st.
func structChoices(b *[]byte, st *ast.StructType) error {
	*b = append(*b, byte(len(st.Fields.List)))
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 {
			typ, ptr := f.Type, byte(0)
			if s, ok := typ.(*ast.StarExpr); ok {
				typ, ptr = s.X, 1
			}
			i, err := leafIndex(embeddables, typ)
			if err != nil {
				return err
			}
			*b = append(*b, 1, byte(i), ptr)
		} else {
			i := slices.Index(fieldNames, f.Names[0].Name)
			if i < 0 {
				return fmt.Errorf("no field name %s", f.Names[0].Name)
			}
			*b = append(*b, 0, byte(i))
			if err := typChoices(b, f.Type); err != nil {
				return err
			}
		}
		tag := ""
		if f.Tag != nil {
			tag = f.Tag.Value[1 : len(f.Tag.Value)-1]
		}
		i := slices.Index(tags, tag)
		if i < 0 {
			return fmt.Errorf("no tag %s", tag)
		}
		*b = append(*b, byte(i))
	}
	return nil
}

// leafIndex finds the leaf e names.
func leafIndex(ls []*leafType, e ast.Expr) (int, error) {
	src := types.ExprString(e)
	i := slices.IndexFunc(ls, func(l *leafType) bool { return l.src == src })
	if i < 0 {
		return 0, fmt.Errorf("no leaf %s", src)
	}
	return i, nil
}
