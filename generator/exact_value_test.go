package generator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"reflect"
	"strings"
	"time"
	"unsafe"
)

// fillMode says what values the filler makes.
type fillMode int

const (
	fillZero   fillMode = iota // the zero value
	fillFull                   // every pointer set, every slice and map holding elements
	fillEmpty                  // every pointer set to a zero value, every slice and map empty
	fillRandom                 // nil, empty and set, at random
)

// filler makes values of any type for the round trip, unexported fields
// included: a value the codec would not give back should show it.
type filler struct {
	r    *rand.Rand
	mode fillMode
	made int // values filled so far
}

// maxFillDepth bounds how deep values nest (recursive types), and
// maxFilled how many values are filled (the rest stay zero): recursive
// types in slices and maps grow fast.
const (
	maxFillDepth = 6
	maxFilled    = 500
)

var (
	timeType = reflect.TypeFor[time.Time]()
	bigType  = reflect.TypeFor[big.Int]()
	ratType  = reflect.TypeFor[big.Rat]()
	rawType  = reflect.TypeFor[json.RawMessage]()
)

// open returns v without the read-only flag of unexported fields, so that
// it can be set and read; v must be addressable.
func open(v reflect.Value) reflect.Value {
	return reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
}

// fill sets v, which is addressable and zero.
func (f *filler) fill(v reflect.Value, depth int) {
	v = open(v)
	if f.mode == fillZero || depth > maxFillDepth || f.made >= maxFilled {
		return
	}
	f.made++
	if f.mode == fillEmpty {
		f.empty(v, depth)
		return
	}
	if f.special(v) {
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(f.r.IntN(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := []int64{0, 1, -1, 42, math.MaxInt64, math.MinInt64, 1 << 53, -(1 << 53) - 1}[f.r.IntN(8)]
		v.SetInt(n << (64 - v.Type().Bits()) >> (64 - v.Type().Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := []uint64{0, 1, 255, math.MaxUint64, 1<<53 + 1}[f.r.IntN(5)]
		v.SetUint(n << (64 - v.Type().Bits()) >> (64 - v.Type().Bits()))
	case reflect.Float32, reflect.Float64:
		x := []float64{0, math.Copysign(0, -1), 1.5, -1e21, 1e-7, 123456789.123, math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, float64(float32(0.1)), math.MaxFloat32}[f.r.IntN(11)]
		if f.r.IntN(40) == 0 {
			x = math.NaN() // cannot be encoded: not stored
		}
		v.SetFloat(x)
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(1, -2))
	case reflect.String:
		v.SetString(f.str())
	case reflect.Interface:
		if f.r.IntN(2) == 0 || v.NumMethod() > 0 {
			return
		}
		v.Set(reflect.ValueOf([]any{1, "s", map[string]any{"k": true}, []int{1}}[f.r.IntN(4)]))
	case reflect.Func:
		if f.r.IntN(4) == 0 {
			v.Set(reflect.MakeFunc(v.Type(), func([]reflect.Value) []reflect.Value { return nil }))
		}
	case reflect.Pointer:
		if f.mode == fillRandom && f.r.IntN(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		if f.mode == fillFull || f.r.IntN(2) == 0 {
			f.fill(p.Elem(), depth+1)
		}
		v.Set(p)
	case reflect.Slice:
		n := f.length()
		if n < 0 {
			return
		}
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			f.fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Map:
		n := f.length()
		if n < 0 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range n {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k, depth+1)
			f.fill(e, depth+1)
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Struct:
		for i := range v.NumField() {
			// Blank fields cannot be set but through reflection.
			if v.Type().Field(i).Name != "_" && (f.mode == fillFull || f.r.IntN(4) > 0) {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

// empty sets every pointer in v to a zero value and every slice and map
// to an empty one.
func (f *filler) empty(v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		if v.Type() != rawType { // an empty json.RawMessage does not encode
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), depth+1)
		}
	case reflect.Struct:
		if v.Type() == timeType || v.Type() == bigType || v.Type() == ratType {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).Name != "_" {
				f.fill(v.Field(i), depth+1)
			}
		}
	}
}

// length chooses a slice or map length, -1 for nil.
func (f *filler) length() int {
	if f.mode == fillFull {
		return 1 + f.r.IntN(2)
	}
	return f.r.IntN(4) - 1
}

// str chooses a string: plain, or escaped by JSON. Not one that is not
// valid UTF-8: the runtime refuses to store those (cache/codec.go).
func (f *filler) str() string {
	ss := []string{"", "a", "Dune", "<&>", "é", "\u2028", "\ufffd", `\ufffd`, "\"q\"", "\x00\x1f", "null"}
	return ss[f.r.IntN(len(ss))]
}

// special fills the standard library's types whose fields cannot be set
// one by one; it reports whether v was one of them.
func (f *filler) special(v reflect.Value) bool {
	switch v.Type() {
	case timeType:
		// Offsets are whole minutes: JSON (RFC 3339) writes a sub-minute
		// offset (local mean time, before about 1900 in most zones) to the
		// minute, which moves the instant, a loss that depends on the
		// value, not the type.
		locs := []*time.Location{time.UTC, time.FixedZone("X", 3600), time.FixedZone("", -5*3600-30*60), nyc}
		t := time.Unix(f.r.Int64N(4e9)-1e9, f.r.Int64N(1e9)).In(locs[f.r.IntN(len(locs))])
		if f.r.IntN(3) == 0 {
			t = time.Now() // with a monotonic reading
		}
		v.Set(reflect.ValueOf(t))
	case bigType:
		n, _ := new(big.Int).SetString([]string{"0", "1", "-7", "123456789012345678901234567890"}[f.r.IntN(4)], 10)
		v.Set(reflect.ValueOf(*n))
	case ratType:
		r, _ := new(big.Rat).SetString([]string{"0", "1/3", "-7/2"}[f.r.IntN(3)])
		v.Set(reflect.ValueOf(*r))
	case rawType:
		raws := []string{"", `{"k": [1, 2]}`, `null`, `"s"`, ` 7 `}
		if i := f.r.IntN(len(raws) + 1); i < len(raws) {
			v.SetBytes([]byte(raws[i]))
		} // else nil
	default:
		return false
	}
	return true
}

var nyc = func() *time.Location {
	l, err := time.LoadLocation("America/New_York")
	if err != nil {
		return time.FixedZone("EST", -5*3600)
	}
	return l
}()

// differ compares a value with what came back from the codec: as
// reflect.DeepEqual does, but for the documented exceptions. Values of
// trusted types (those that encode themselves) are equal when they encode
// the same: time.Time keeps its instant and offset, json.RawMessage is
// compacted and nil comes back as null, and the others give their own
// values back; a pointer to one that encodes as null comes back nil. Under
// omitempty, an empty slice or map comes back nil.
type differ struct {
	trusted map[reflect.Type]bool
}

func newDiffer() *differ {
	d := &differ{trusted: map[reflect.Type]bool{}}
	for _, l := range leaves {
		if l.trusted {
			d.trusted[l.rt] = true
		}
	}
	return d
}

// diff returns where a and b differ, or "" when they do not.
func (d *differ) diff(a, b reflect.Value, path string, omitEmpty bool) string {
	a, b = readable(a), readable(b)
	if omitEmpty && (a.Kind() == reflect.Slice || a.Kind() == reflect.Map) && a.Len() == 0 && b.Len() == 0 {
		return ""
	}
	if d.trusted[a.Type()] {
		ja, ea := json.Marshal(a.Addr().Interface())
		jb, eb := json.Marshal(b.Addr().Interface())
		if ea != nil || eb != nil || !bytes.Equal(ja, jb) {
			return fmt.Sprintf("%s: %s became %s (%v, %v)", path, ja, jb, ea, eb)
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Pointer, reflect.Interface:
		if a.Kind() == reflect.Pointer && !a.IsNil() && b.IsNil() && d.trusted[a.Type().Elem()] {
			if j, err := json.Marshal(a.Interface()); err == nil && string(j) == "null" {
				return "" // a pointer to a value that encodes itself as null
			}
		}
		if a.IsNil() || b.IsNil() {
			if a.IsNil() != b.IsNil() {
				return fmt.Sprintf("%s: nil %v became nil %v", path, a.IsNil(), b.IsNil())
			}
			return ""
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return fmt.Sprintf("%s: %s became %s", path, a.Elem().Type(), b.Elem().Type())
		}
		return d.diff(a.Elem(), b.Elem(), path+".*", false)
	case reflect.Slice, reflect.Map:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: length %d became %d", path, a.Len(), b.Len())
		}
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: nil %v became nil %v", path, a.IsNil(), b.IsNil())
		}
		if a.Kind() == reflect.Map {
			for it := a.MapRange(); it.Next(); {
				w := b.MapIndex(it.Key())
				if !w.IsValid() {
					return fmt.Sprintf("%s: key %v lost", path, it.Key())
				}
				if s := d.diff(it.Value(), w, fmt.Sprintf("%s[%v]", path, it.Key()), false); s != "" {
					return s
				}
			}
			return ""
		}
		fallthrough
	case reflect.Array:
		for i := range a.Len() {
			if s := d.diff(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), false); s != "" {
				return s
			}
		}
		return ""
	case reflect.Struct:
		for i := range a.NumField() {
			sf := a.Type().Field(i)
			omit := strings.Contains(sf.Tag.Get("json"), ",omitempty")
			if s := d.diff(a.Field(i), b.Field(i), path+"."+sf.Name, omit); s != "" {
				return s
			}
		}
		return ""
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if a.IsNil() != b.IsNil() {
			return fmt.Sprintf("%s: nil %v became nil %v", path, a.IsNil(), b.IsNil())
		}
		return ""
	case reflect.Float32, reflect.Float64:
		if a.Float() != b.Float() {
			return fmt.Sprintf("%s: %v became %v", path, a.Float(), b.Float())
		}
		return ""
	}
	if !a.Equal(b) {
		return fmt.Sprintf("%s: %#v became %#v", path, a.Interface(), b.Interface())
	}
	return ""
}

// readable returns v, or an addressable copy of it, without the read-only
// flag of unexported fields.
func readable(v reflect.Value) reflect.Value {
	if !v.CanAddr() {
		c := reflect.New(v.Type()).Elem()
		c.Set(v)
		v = c
	}
	return open(v)
}
