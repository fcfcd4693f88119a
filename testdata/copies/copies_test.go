package copies

import (
	"encoding/json"
	"math/big"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/testdata/copies/ext"
)

// TestConstructorCopies checks that each read's descriptor holds the
// generated copy of its cached type (the func(T) T that the runtime's near
// cache calls), and that reads of types that cannot be copied hold none.
func TestConstructorCopies(t *testing.T) {
	c := cache.New(cache.NewMemoryStore())
	defer c.Close()
	lib, cat := NewCachedLibrary(nil, c), NewCachedCatalog(nil, c)
	for _, tc := range []struct {
		method string
		m      *cache.Method
		want   any // nil: no copy
	}{
		{"Library.Book", lib.book, libraryCopyBook},
		{"Library.BookPtr", lib.bookPtr, libraryCopyPtrBook},
		{"Library.Books", lib.books, libraryCopyBooksResult},
		{"Library.Shelves", lib.shelves, libraryCopyMapStringSliceBook},
		{"Library.Grid", lib.grid, libraryCopyArray2Array2PtrReview},
		{"Library.Stamps", lib.stamps, libraryCopySliceExtStamp},
		{"Library.Secret", lib.secret, libraryCopySecretive},
		{"Library.Dates", lib.dates, libraryCopyDatesResult},
		{"Library.Raw", lib.raw, libraryCopyJsonRawMessage},
		{"Library.Price", lib.price, libraryCopyBigInt},
		{"Library.Count", lib.count, libraryCopyInt},
		{"Library.Tree", lib.tree, libraryCopyPtrNode2}, // libraryCopyPtrNode is the package's
		{"Library.Forest", lib.forest, libraryCopyForest},
		{"Library.Opaque", lib.opaque, nil},   // an unexported pointer in another package
		{"Library.Holder", lib.holder, nil},   // holds one
		{"Library.Guarded", lib.guarded, nil}, // a sync.Mutex
		{"Catalog.Find", cat.find, catalogCopyPtrBook},
		{"Catalog.Node", cat.node, catalogCopyNode},
	} {
		got := descriptorCopy(t, tc.m)
		switch {
		case tc.want == nil && got != nil:
			t.Errorf("%s: got a copy function %T, want none", tc.method, got)
		case tc.want == nil:
		case got == nil:
			t.Errorf("%s: no copy function, want %T", tc.method, tc.want)
		case reflect.TypeOf(got) != reflect.TypeOf(tc.want) || reflect.ValueOf(got).Pointer() != reflect.ValueOf(tc.want).Pointer():
			t.Errorf("%s: got copy function %T at %#x, want %T at %#x", tc.method, got, reflect.ValueOf(got).Pointer(), tc.want, reflect.ValueOf(tc.want).Pointer())
		}
	}
}

// descriptorCopy returns what the constructor passed to m's Copy, from the
// runtime's unexported field.
func descriptorCopy(t *testing.T, m *cache.Method) any {
	t.Helper()
	f := reflect.ValueOf(m).Elem().FieldByName("copy")
	if !f.IsValid() {
		t.Fatal("cache.Method has no field copy: point descriptorCopy at where the runtime keeps the function given to Copy")
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface()
}

// TestCopies checks every generated copy function: the copy is deeply equal
// to its original (nil and empty slices and maps included), and changing
// anything reachable from one of them leaves the other as it was.
func TestCopies(t *testing.T) {
	check(t, "libraryCopyBook/full", libraryCopyBook, func() Book { return fullBook(1) })
	check(t, "libraryCopyBook/sparse", libraryCopyBook, sparseBook)
	check(t, "libraryCopyPtrBook", libraryCopyPtrBook, func() *Book { b := fullBook(2); return &b })
	check(t, "libraryCopyBooksResult", libraryCopyBooksResult, func() libraryBooksResult {
		b1, b2 := fullBook(3), sparseBook()
		return libraryBooksResult{R0: []*Book{&b1, nil, &b2}, R1: 3}
	})
	check(t, "libraryCopyMapStringSliceBook", libraryCopyMapStringSliceBook, func() map[string][]Book {
		return map[string][]Book{"a": {fullBook(4), sparseBook()}, "empty": {}, "nil": nil}
	})
	check(t, "libraryCopyArray2Array2PtrReview", libraryCopyArray2Array2PtrReview, func() [2][2]*Review {
		return [2][2]*Review{{review(1, "one"), nil}, {{Stars: 2}, review(3, "three")}}
	})
	check(t, "libraryCopySliceExtStamp", libraryCopySliceExtStamp, func() []ext.Stamp {
		return []ext.Stamp{ext.NewStamp(at(1), "ann", 7), {}}
	})
	check(t, "libraryCopySecretive", libraryCopySecretive, func() Secretive { return NewSecretive("name", "note") })
	check(t, "libraryCopyDatesResult", libraryCopyDatesResult, func() libraryDatesResult {
		updated := at(2)
		return libraryDatesResult{R0: at(1), R1: &updated}
	})
	check(t, "libraryCopyJsonRawMessage", libraryCopyJsonRawMessage, func() json.RawMessage { return json.RawMessage(`{"a":[1,2]}`) })
	check(t, "libraryCopyBigInt", libraryCopyBigInt, func() big.Int { return *bigInt("-123456789012345678901234567890") })
	check(t, "libraryCopyInt", libraryCopyInt, func() int { return 42 })
	check(t, "libraryCopyPtrNode2", libraryCopyPtrNode2, tree)
	check(t, "libraryCopyForest", libraryCopyForest, forest)
	check(t, "catalogCopyPtrBook", catalogCopyPtrBook, func() *Book { b := fullBook(5); return &b })
	check(t, "catalogCopyNode", catalogCopyNode, func() Node { return *tree() })
}

// check runs the checks of TestCopies on one copy function.
func check[T any](t *testing.T, name string, copyFn func(T) T, build func() T) {
	t.Run(name, func(t *testing.T) {
		if problem := copyProblem(copyFn, build); problem != "" {
			t.Error(problem)
		}
	})
}

// copyProblem returns what is wrong with copies that copyFn makes of the
// values build returns (each call a new value, equal to the others), or "".
func copyProblem[T any](copyFn func(T) T, build func() T) string {
	want, orig := build(), build()
	cp := copyFn(orig)
	if !reflect.DeepEqual(cp, orig) {
		return "the copy is not deeply equal to the original"
	}
	mutate(reflect.ValueOf(&cp).Elem())
	if reflect.DeepEqual(cp, want) {
		return "mutate changed nothing in the copy"
	}
	if !reflect.DeepEqual(orig, want) {
		return "changing the copy changed the original"
	}
	orig = build()
	cp = copyFn(orig)
	mutate(reflect.ValueOf(&orig).Elem())
	if !reflect.DeepEqual(cp, want) {
		return "changing the original changed the copy"
	}
	var zero T
	if !reflect.DeepEqual(copyFn(zero), zero) {
		return "the copy of the zero value is not the zero value"
	}
	return ""
}

// TestCopyProblemCatches checks that the checks find memory that a copy
// shares with its original, also behind unexported fields and inside
// big.Int: a shallow copy fails them.
func TestCopyProblemCatches(t *testing.T) {
	shallow := func(s Secretive) Secretive { return s }
	if got := copyProblem(shallow, func() Secretive { return NewSecretive("n", "note") }); got != "changing the copy changed the original" {
		t.Errorf("a shallow copy of Secretive: got %q", got)
	}
	shallowInt := func(n big.Int) big.Int { return n }
	if got := copyProblem(shallowInt, func() big.Int { return *bigInt("98765432109876543210") }); got != "changing the copy changed the original" {
		t.Errorf("a shallow copy of big.Int: got %q", got)
	}
	if got := copyProblem(func(b Book) Book { return b }, sparseBook); got != "changing the copy changed the original" {
		t.Errorf("a shallow copy of a Book of empty slices and maps: got %q", got)
	}
}

// TestCopySplitsSharedPointers documents that a copy is a tree: two
// pointers to one value in the original point to two equal values in the
// copy, as after a JSON round trip.
func TestCopySplitsSharedPointers(t *testing.T) {
	a := &Author{Name: "shared"}
	cp := libraryCopyBook(Book{Editor: a, CoAuthors: []*Author{a}})
	if cp.Editor == cp.CoAuthors[0] {
		t.Error("the copy shares one Author between Editor and CoAuthors[0]")
	}
	if !reflect.DeepEqual(cp.Editor, cp.CoAuthors[0]) || cp.Editor == a {
		t.Errorf("got Editor %p %+v and CoAuthors[0] %p %+v, want two new equal Authors", cp.Editor, cp.Editor, cp.CoAuthors[0], cp.CoAuthors[0])
	}
}

// TestCopyCapacity documents that a copied slice's capacity is its length.
func TestCopyCapacity(t *testing.T) {
	tags := make([]string, 2, 10)
	cp := libraryCopySliceString(tags)
	if len(cp) != 2 || cap(cp) != 2 {
		t.Errorf("got len %d cap %d, want 2 and 2", len(cp), cap(cp))
	}
}

// immutable are the types whose pointers point to memory shared by design
// (changing it would change every copy): mutate replaces such a value
// whole, with the first of two values of the type that it is not.
var immutable = map[reflect.Type][2]any{
	reflect.TypeOf(time.Time{}):      {at(20), at(21)},
	reflect.TypeOf(netip.Addr{}):     {netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")},
	reflect.TypeOf(netip.Prefix{}):   {netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("198.51.100.0/24")},
	reflect.TypeOf(netip.AddrPort{}): {netip.MustParseAddrPort("192.0.2.1:1"), netip.MustParseAddrPort("192.0.2.1:2")},
}

// mutate changes every value reachable from the addressable v: numbers,
// strings and booleans, through pointers, slices, arrays, maps (whose
// string-keyed maps also get a new key) and struct fields, unexported ones
// included; values of the immutable types are replaced whole.
func mutate(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			mutate(v.Elem())
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			mutate(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			mutate(e)
			v.SetMapIndex(k, e)
		}
		if v.Type().Key().Kind() == reflect.String {
			v.SetMapIndex(reflect.ValueOf("added by mutate").Convert(v.Type().Key()), reflect.Zero(v.Type().Elem()))
		}
	case reflect.Struct:
		if values, ok := immutable[v.Type()]; ok {
			other := values[0]
			if reflect.DeepEqual(v.Interface(), other) {
				other = values[1]
			}
			v.Set(reflect.ValueOf(other))
			return
		}
		for i := range v.NumField() {
			f := v.Field(i)
			if !f.CanSet() {
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			mutate(f)
		}
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(v.Int() + 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		v.SetUint(v.Uint() + 1)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(v.Float() + 1)
	case reflect.String:
		v.SetString(v.String() + "!")
	}
}

func at(day int) time.Time { return time.Date(2024, 1, day, 3, 4, 5, 6, time.FixedZone("X", 3600)) }

func bigInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return n
}

func review(stars int, text string) *Review { return &Review{Stars: stars, Text: &text} }

func author(name string) *Author {
	born := at(2)
	return &Author{Name: name, Born: &born, Links: map[string]string{"home": "https://example.com/" + name}}
}

// fullBook returns a Book with every pointer set and every slice and map
// holding something.
func fullBook(id int64) Book {
	updated := at(3)
	b := Book{
		ID:        id,
		Title:     strings.Repeat("t", int(id)),
		Author:    *author("ann"),
		Editor:    author("ed"),
		CoAuthors: []*Author{author("co"), nil, {}},
		Tags:      make([]string, 2, 10),
		Chapters:  map[string][]int{"one": {1, 2}, "empty": {}, "nil": nil},
		Ratings:   [3]int{1, 2, 3},
		Reviews:   [2]Review{*review(5, "great"), {Stars: 1}},
		Published: at(1),
		Updated:   &updated,
		Share:     big.NewRat(1, 3),
		Meta:      json.RawMessage(`{"a":1}`),
		Origin:    netip.MustParseAddr("2001:db8::1"),
		Shelf:     Shelf{"x", "y"},
		Index:     Index{1: review(2, "ok"), 2: nil},
		Stamp:     ext.NewStamp(at(4), "by", 9),
	}
	b.Tags[0], b.Tags[1] = "a", "b"
	b.Price.Set(bigInt("123456789012345678901234567890"))
	return b
}

// sparseBook returns a Book whose slices and maps are empty but not nil.
func sparseBook() Book {
	return Book{CoAuthors: []*Author{}, Tags: []string{}, Chapters: map[string][]int{}, Meta: json.RawMessage{}, Shelf: Shelf{}, Index: Index{}}
}

func tree() *Node {
	leaf := &Node{Name: "leaf", Children: []*Node{}}
	return &Node{
		Name:     "root",
		Children: []*Node{{Name: "a", Children: []*Node{leaf, nil}}, {Name: "b"}},
		Next:     &Node{Name: "next", Next: &Node{Name: "last"}},
	}
}

func forest() Forest {
	return Forest{
		"x":   {Value: 1, Sub: Forest{"y": {Value: 2, Sub: Forest{}}, "nil": nil}},
		"nil": nil,
	}
}
