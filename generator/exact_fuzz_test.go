package generator

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	gojson "github.com/goccy/go-json"
)

// FuzzExactness builds random result types (see shape) and checks the
// exactness checker against the codecs of the runtime, encoding/json
// (cache.StdJSON) and goccy/go-json (cache.JSON, the default), used as the
// runtime uses them: a value is encoded through a pointer and decoded into
// a new one. When the checker accepts a type, every value comes back from
// encoding/json as it went in, but for the documented exceptions (see
// differ), or is refused when encoding (then it is not stored); and
// goccy/go-json never gives back another value (it may fail to decode: a
// fault, and the repository is called). Strings that are not valid UTF-8,
// which the runtime refuses to store (cache/codec.go, tested there), are
// left out. With -exactfuzz.strict it also fails on a refusal that no value
// confirmed, with -exactfuzz.goccy on any difference between the two
// codecs.
func FuzzExactness(f *testing.F) {
	for _, src := range exactSeeds {
		b, err := choicesFor(src)
		if err != nil {
			f.Fatalf("%s: %v", src, err)
		}
		f.Add(b)
	}
	r := rand.New(rand.NewPCG(9, 9))
	for range 1000 {
		b := make([]byte, 8+r.IntN(40))
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		f.Add(b)
	}
	f.Fuzz(checkExactness)
}

var (
	strictRefusals = flag.Bool("exactfuzz.strict", false, "FuzzExactness fails on a refused shape none of whose values it saw lost (an over-strict refusal, or values too tame to show the loss)")
	goccyDiffs     = flag.Bool("exactfuzz.goccy", false, "FuzzExactness fails on any difference between goccy/go-json and encoding/json on an accepted type, but those known (see knownGoccy)")
)

// exactSeeds are shapes the fuzz test starts from: the hard cases, and
// each mismatch it found (written as shape.source writes them).
var exactSeeds = []string{
	// A tag name that is not a letter, digit or allowed punctuation is
	// ignored: Hidden is embedded untagged, and Left's "Note" hides its Note.
	"struct { exactpool.Hidden `json:\"€\"`; exactpool.Left `json:\"Note,string\"` }",
	// A pointer to a nil pointer, slice or map is written as null and comes
	// back as a nil pointer; a pointer to a nil json.RawMessage too, which
	// is documented.
	"struct { X **int; Note *[]uint64; A *map[string]int; V *json.RawMessage }",
	// goccy/go-json calls (*big.Int).MarshalJSON with a **big.Int and dies
	// (SIGSEGV), as it gives a **T to (*T).MarshalJSON: refused above.
	"struct { X **big.Int `json:\"Name\"`; Name []int; ID int }",
	// An embedded pointer comes back nil unless a field right under it is
	// always written: Empty has none, OnlyPtr's are under *Base; OptStruct's
	// is omitempty but a struct, always written.
	"struct { *exactpool.Empty; ID int }",
	"struct { *exactpool.OnlyPtrs }",
	"[]*exactpool.OnlyPtr", // not embedded: a pointer to it comes back
	"struct { *exactpool.OptStruct }",
	// A marshaler promoted through an embedded pointer is called on nil
	// when decoding (and when encoding a nil one): it panics.
	"exactpool.WrapBig",
	"[]exactpool.StampPtr",
	"struct { A exactpool.WrapValJSON }",
	// ,string on a pointer to a type that encodes itself: written unquoted,
	// refused when read.
	"struct { A *exactpool.JSONInt `json:\",string\"`; X *exactpool.TextInt `json:\",string\"` }",
	// omitzero on a pointer to a type with IsZero: a pointer to a value it
	// calls zero is left out and comes back nil.
	"struct { A *exactpool.Zeroish `json:\",omitzero\"`; X *time.Time `json:\",omitzero\"` }",
	// A string under ,string is written inside a string.
	"struct { A string `json:\",string\"`; X map[string]string }",
	// Two fields of one name at one depth are both dropped, even when the
	// first holds nothing.
	"struct { Base struct{} `json:\"x\"`; V exactpool.TextStr `json:\"x\"` }",
	// An unexported embedded pointer named by its tag: encoding/json panics
	// when decoding into it; by value it is fine.
	"[]exactpool.TaggedHiddenPtr",
	"exactpool.TaggedHidden",
	// Of a tagged field and an untagged one of the same JSON name at one
	// depth, goccy/go-json (v0.11) decodes into the untagged one: refused
	// even when that one holds nothing.
	"struct { ID exactpool.Base `json:\"Name\"`; Name struct{} }",
	// Two fields that hold nothing under one name at one depth: goccy/go-json
	// writes one and reads it into ID (the name folded): refused.
	"struct { Base [0]exactpool.TextInt `json:\"id,omitzero\"`; exactpool.Empty `json:\"id\"`; ID int }",
	// goccy/go-json (v0.11) reads ,string back wrong on a pointer to a
	// struct and on an embedded field without a name in its tag: refused.
	"struct { A *exactpool.Base `json:\",string\"`; exactpool.Octet `json:\",string\"` }",
	// goccy/go-json cannot decode math.MaxFloat32 (see knownGoccy).
	"struct { A float32; X []float32 }",
	// Hard cases, accepted or refused: names meeting at several depths,
	// tagged and untagged, and meeting when folded (K, the Kelvin sign,
	// and k); self-marshalling types by value, by pointer, in maps and
	// slices and as keys; recursive types; byte slices.
	"struct { exactpool.Twice `json:\"x\"`; exactpool.Nested; ID int }",
	"struct { *exactpool.NestedPtr; exactpool.Tagged `json:\"x\"`; Name string `json:\"id\"` }",
	"struct { ID int `json:\"k\"`; Name int `json:\"\u212a\"`; X int `json:\"Id\"`; A int `json:\"id\"` }",
	"map[exactpool.Code]*exactpool.Ledger",
	"map[exactpool.TextInt][]exactpool.PtrJSON",
	"struct { *exactpool.Self `json:\"name\"`; exactpool.Node; V *exactpool.Left }",
	"struct { A []uint8; X exactpool.Octets; V []exactpool.TextByte; Note [2]uint8 }",
	"struct { A json.RawMessage `json:\",omitempty\"`; V *json.RawMessage; X []json.RawMessage }",
	"struct { A big.Int; V *big.Int; X map[string]*big.Int; ID []big.Int }",
	"struct { exactpool.Quoted; exactpool.Zeroes `json:\"x\"`; *exactpool.Opt }",
	"struct { A exactpool.ZeroNull; V *exactpool.ZeroNull; X map[string]*exactpool.ZeroNull }",
	"struct { A exactpool.ValJSON; V *exactpool.PtrJSON; X map[string]exactpool.ValJSON; ID [1]exactpool.PtrJSON }",
}

// TestExactSeeds checks that each seed makes the shape it is written as.
func TestExactSeeds(t *testing.T) {
	for _, src := range exactSeeds {
		b, err := choicesFor(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got := (&chooser{data: b}).top().source()
		want, _ := parser.ParseExpr(src)
		if e, err := parser.ParseExpr(got); err != nil || types.ExprString(e) != types.ExprString(want) {
			t.Errorf("seed %s makes %s", src, got)
		}
	}
}

// valueRounds is how many values of each shape go through the codecs: the
// zero value, a full one, an empty one and random ones.
const valueRounds = 8

func checkExactness(t *testing.T, data []byte) {
	s := (&chooser{data: data}).top()
	src := s.source()
	typ, pkg, err := typecheckShape(src)
	if err != nil {
		t.Fatalf("the grammar made a type that is not Go: %s: %v", src, err)
	}
	problems := exactProblems(typ, pkg)
	rt := s.rtype()
	h := fnv.New64a()
	h.Write(data)
	seed := h.Sum64()
	d := newDiffer()
	witnessed := false
	rounds := valueRounds
	if *strictRefusals && len(problems) > 0 {
		rounds *= 4 // values that show the loss may be rare
	}
	for round := range rounds {
		in := reflect.New(rt)
		(&filler{r: rand.New(rand.NewPCG(seed, uint64(round))), mode: min(fillMode(round), fillRandom)}).fill(in.Elem(), 0)
		std := roundTrip(stdJSON, in, d)
		if len(problems) > 0 {
			// A value lost, or one that cannot be encoded (a map with bool
			// keys, a complex number) confirms the refusal.
			witnessed = witnessed || std.lost() != "" || std.encErr != nil
			// goccy/go-json only matters where the checker accepts: it
			// crashes on some refused types (**big.Int).
			continue
		}
		if std.lost() != "" {
			t.Fatalf("the checker accepts %s, but encoding/json does not give this value back:\n%s\nvalue: %s", src, std.lost(), show(in))
		}
		if strings.Contains(src, "omitempty,omitzero") {
			// goccy/go-json v0.11 reads 8 bytes of a 1-byte text
			// marshaler with both options: checkptr (-race) kills the test.
			continue
		}
		goccy := roundTrip(goccyJSON, in, d)
		switch {
		case goccy.panicked != "" || goccy.diff != "":
			t.Fatalf("the checker accepts %s, but goccy/go-json gives another value back:\n%s\nvalue: %s", src, goccy.lost(), show(in))
		case (goccy.decErr != nil || goccy.encErr != nil && std.encErr == nil) && !knownGoccy(std, goccy):
			t.Fatalf("the checker accepts %s, but goccy/go-json fails on this value (the runtime would call the repository on every read):\nencoding: %v\n%s\nvalue: %s", src, goccy.encErr, goccy.lost(), show(in))
		}
		if *goccyDiffs {
			if why := codecsDiffer(in, std, goccy, d); why != "" && !knownGoccy(std, goccy) {
				t.Fatalf("%s: goccy/go-json and encoding/json differ: %s\nvalue: %s", src, why, show(in))
			}
		}
	}
	if len(problems) > 0 && !witnessed && *strictRefusals {
		t.Errorf("the checker refuses %s, but every value came back:\n%s", src, strings.Join(problems, "\n"))
	}
}

// trip is what a codec did with a value.
type trip struct {
	data     []byte
	encErr   error // then nothing is stored
	decErr   error
	panicked string
	diff     string // where the decoded value differs
	out      reflect.Value
}

// lost says what the round trip lost, or "" when the value came back or
// was not stored.
func (tr trip) lost() string {
	switch {
	case tr.panicked != "":
		return "panic: " + tr.panicked
	case tr.decErr != nil:
		return fmt.Sprintf("decoding %s: %v", tr.data, tr.decErr)
	case tr.diff != "":
		return fmt.Sprintf("%s\nJSON: %s", tr.diff, tr.data)
	}
	return ""
}

// codec is one of the runtime's JSON codecs (cache/codec.go), without the
// runtime's refusal of strings that are not valid UTF-8.
type codec struct {
	Marshal   func(any) ([]byte, error)
	Unmarshal func([]byte, any) error
}

var (
	stdJSON   = codec{json.Marshal, json.Unmarshal}
	goccyJSON = codec{gojson.Marshal, gojson.Unmarshal}
)

// roundTrip encodes in (a pointer, as cache.Fetch encodes results) with
// codec and decodes it into a new value.
func roundTrip(codec codec, in reflect.Value, d *differ) (tr trip) {
	defer func() {
		if p := recover(); p != nil {
			tr.panicked = fmt.Sprint(p)
		}
	}()
	tr.data, tr.encErr = codec.Marshal(in.Interface())
	if tr.encErr != nil {
		return tr
	}
	tr.out = reflect.New(in.Type().Elem())
	if tr.decErr = codec.Unmarshal(tr.data, tr.out.Interface()); tr.decErr != nil {
		return tr
	}
	tr.diff = d.diff(in.Elem(), tr.out.Elem(), "v", false)
	return tr
}

// knownGoccy reports a fault of goccy/go-json (v0.11) that depends on the
// value, not the type, so the checker cannot refuse it: goccy/go-json
// refuses to decode a float32 as large as math.MaxFloat32, written
// 3.4028235e+38 (read as a float64, that is above math.MaxFloat32).
func knownGoccy(std, goccy trip) bool {
	return (goccy.decErr != nil || goccy.encErr != nil) && bytes.Contains(std.data, []byte("3.4028235e+38"))
}

// codecsDiffer compares what the two codecs did with in: whether they
// panic or encode it, and what each reads from the other's JSON (their
// JSON may differ where that does not change the value read).
func codecsDiffer(in reflect.Value, std, goccy trip, d *differ) string {
	switch {
	case std.panicked != "" || goccy.panicked != "":
		if std.panicked != goccy.panicked {
			return fmt.Sprintf("panics %q and %q", std.panicked, goccy.panicked)
		}
		return ""
	case (std.encErr == nil) != (goccy.encErr == nil):
		return fmt.Sprintf("encoding errors %v and %v", std.encErr, goccy.encErr)
	case std.encErr != nil:
		return ""
	}
	for _, c := range []struct {
		reader string
		data   []byte
		codec  codec
	}{{"encoding/json", goccy.data, stdJSON}, {"goccy/go-json", std.data, goccyJSON}} {
		out, err := decode(c.codec, c.data, in.Type().Elem())
		switch {
		case (err == nil) != (std.decErr == nil):
			return fmt.Sprintf("%s reads %s with error %v; encoding/json reads its own with %v", c.reader, c.data, err, std.decErr)
		case err == nil:
			if s := d.diff(std.out.Elem(), out.Elem(), "v", false); s != "" {
				return fmt.Sprintf("%s reads %s as another value: %s", c.reader, c.data, s)
			}
		}
	}
	return ""
}

// decode decodes data into a new value of type t.
func decode(c codec, data []byte, t reflect.Type) (out reflect.Value, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	out = reflect.New(t)
	return out, c.Unmarshal(data, out.Interface())
}

// show prints a value for a failure message.
func show(v reflect.Value) (s string) {
	defer func() {
		if recover() != nil {
			s = "(cannot print)"
		}
	}()
	return fmt.Sprintf("%+v", v.Elem().Interface())
}

// exactPoolPath is where package exactpool is, and its import path.
const (
	exactPoolDir  = "internal/exactpool"
	exactPoolPath = "github.com/cachegen/cachegen/generator/internal/exactpool"
)

// exactPool type-checks package exactpool from its source; the standard
// packages come from their export data, through one importer, so that the
// shapes' sources see the same types (see poolImporter).
var exactPool = sync.OnceValues(func() (*poolImporter, error) {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(exactPoolDir, "*.go"))
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	std := importer.ForCompiler(fset, "gc", nil)
	conf := types.Config{Importer: std}
	pool, err := conf.Check(exactPoolPath, fset, files, nil)
	if err != nil {
		return nil, fmt.Errorf("type-checking exactpool: %w", err)
	}
	return &poolImporter{pool: pool, std: std}, nil
})

// poolImporter imports exactpool and the standard packages.
type poolImporter struct {
	pool *types.Package
	std  types.Importer
}

func (p *poolImporter) Import(path string) (*types.Package, error) {
	if path == p.pool.Path() {
		return p.pool, nil
	}
	return p.std.Import(path)
}

// typecheckShape type-checks a shape's source and returns the type it
// declares, in a package of its own.
func typecheckShape(src string) (types.Type, *types.Package, error) {
	pool, err := exactPool()
	if err != nil {
		return nil, nil, err
	}
	text := `package shape

import (
	"encoding/json"
	"math/big"
	"time"

	"github.com/cachegen/cachegen/generator/internal/exactpool"
)

var (
	_ json.RawMessage
	_ big.Int
	_ time.Time
	_ exactpool.Base
)

var V ` + src + "\n"
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "shape.go", text, 0)
	if err != nil {
		return nil, nil, err
	}
	conf := types.Config{Importer: pool}
	pkg, err := conf.Check("shape", fset, []*ast.File{file}, nil)
	if err != nil {
		return nil, nil, err
	}
	return pkg.Scope().Lookup("V").Type(), pkg, nil
}

// TestExactPoolListed checks that the shapes use every type of exactpool,
// and that the types they know by name are the ones go/types sees.
func TestExactPoolListed(t *testing.T) {
	pool, err := exactPool()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]*leafType{}
	for _, l := range append(leaves, keyLeaves...) {
		listed[l.src] = l
	}
	for _, name := range pool.pool.Scope().Names() {
		obj := pool.pool.Scope().Lookup(name)
		if _, ok := obj.(*types.TypeName); !ok || !obj.Exported() {
			continue
		}
		l := listed["exactpool."+name]
		if l == nil {
			t.Errorf("exactpool.%s is not among the leaves", name)
			continue
		}
		if got, want := types.Unalias(obj.Type()).(*types.Named).Obj().Name(), l.rt.Name(); got != want {
			t.Errorf("exactpool.%s is %s to go/types and %s to reflect", name, got, want)
		}
	}
}

// TestExactFuzzGoccyIsTheRuntimes checks that FuzzExactness tests the
// goccy/go-json the runtime uses: this module requires the version the
// cache module does.
func TestExactFuzzGoccyIsTheRuntimes(t *testing.T) {
	version := func(gomod string) string {
		b, err := os.ReadFile(gomod)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "github.com/goccy/go-json" {
				return f[1]
			}
		}
		t.Fatalf("%s does not require github.com/goccy/go-json", gomod)
		return ""
	}
	if got, want := version("../go.mod"), version("../cache/go.mod"); got != want {
		t.Fatalf("go.mod requires goccy/go-json %s, cache/go.mod %s: require the runtime's", got, want)
	}
}
