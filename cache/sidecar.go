package cache

import (
	"bytes"
	"cmp"
	"encoding"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"
	"unsafe"
)

// The sidecar of an entry keeps what its codec does not: the exact
// time.Time values (instant to the nanosecond, offset to the second, and
// Location) and the bytes of json.RawMessage values the codec would
// change. It follows the codec's bytes in the payload of the entries of a
// result type whose sidecarPlan is not nil:
//
//	payload = codec bytes | zones | items | uint32 len(zones|items) | "cgs1"
//
// zones is a uvarint count of zone entries, each a kind byte (zoneUTC,
// zoneLocal, zoneNamed, zoneFixed), the Location's name and the zone's
// abbreviation (uvarint length and bytes) and the offset in seconds
// (varint). items holds one item per time or raw message, in the order the
// plan walks the value: 't', the zone's index (uvarint), the Unix seconds
// (varint) and nanoseconds (uvarint); 'r' for a raw message the codec gives
// back as it was, 'n' for a nil one, 'b' and its bytes for any other; 'r'
// for a value of a type with a binary form that the codec gives back with
// the same binary form, 'z' for its zero value, 'b' and the binary form for
// any other.
//
// Decoding decodes the codec's bytes, then walks the value in the same
// order and puts each time and raw message back as it was. A time the codec
// gave back more than a minute away from the sidecar's (JSON loses at most
// the seconds of an offset), a missing item or one of the wrong kind means
// the walk does not match the value, and the entry is not used.
const sidecarMagic = "cgs1"

// sidecarVersion goes into the identity of every result type with a plan:
// entries written without a sidecar, or by another version of it, are
// under other keys and never read.
const sidecarVersion = "sidecar 1"

var errSidecar = errors.New("cache: the entry's sidecar does not match its value")

// Zone kinds in the sidecar.
const (
	zoneUTC   = 'U' // time.UTC
	zoneLocal = 'L' // time.Local
	zoneNamed = 'N' // a Location loaded by its IANA name
	zoneFixed = 'F' // anything else: a fixed zone of the abbreviation and offset
)

// encodeValue encodes *v with m's codec, followed by its sidecar when T has
// a plan.
func encodeValue[T any](m *Method, v *T) ([]byte, error) {
	data, err := m.c.codec.Marshal(v)
	if err != nil {
		return nil, err
	}
	p := m.planOf(reflect.TypeFor[T]())
	if p == nil {
		return data, nil
	}
	w := sidecarWriter{dst: data, codec: m.c.codec}
	w.walk(p, unsafe.Pointer(v))
	if w.err != nil {
		return nil, w.err
	}
	return w.finish(), nil
}

// decodeValue decodes payload, as encodeValue wrote it, into *v.
func decodeValue[T any](m *Method, payload []byte, v *T) error {
	p := m.planOf(reflect.TypeFor[T]())
	if p == nil {
		return m.c.codec.Unmarshal(payload, v)
	}
	data, side, err := splitSidecar(payload)
	if err != nil {
		return err
	}
	if err := m.c.codec.Unmarshal(data, v); err != nil {
		return err
	}
	var r sidecarReader
	if err := r.init(side); err != nil {
		return err
	}
	if err := r.walk(p, unsafe.Pointer(v)); err != nil {
		return err
	}
	if len(r.items) != 0 {
		return fmt.Errorf("%w: %d bytes of items left", errSidecar, len(r.items))
	}
	return nil
}

// splitSidecar splits a payload into the codec's bytes and the sidecar.
func splitSidecar(payload []byte) (data, side []byte, err error) {
	rest, ok := bytes.CutSuffix(payload, []byte(sidecarMagic))
	if !ok || len(rest) < 4 {
		return nil, nil, fmt.Errorf("%w: no sidecar", errSidecar)
	}
	n := binary.BigEndian.Uint32(rest[len(rest)-4:])
	rest = rest[:len(rest)-4]
	if uint64(n) > uint64(len(rest)) {
		return nil, nil, fmt.Errorf("%w: sidecar length %d", errSidecar, n)
	}
	return rest[:len(rest)-int(n)], rest[len(rest)-int(n):], nil
}

// zoneEntry is one entry of the zone table.
type zoneEntry struct {
	kind   byte
	name   string // the Location's, for zoneNamed
	abbrev string
	off    int
}

type sidecarWriter struct {
	codec Codec
	err   error  // the first error of a binary form
	dst   []byte // the codec's bytes, to which the sidecar is appended
	zones []zoneEntry
	last  int // index of the zone used last, a shortcut for the common case
	items []byte
}

func (w *sidecarWriter) finish() []byte {
	start := len(w.dst)
	w.dst = binary.AppendUvarint(w.dst, uint64(len(w.zones)))
	for _, z := range w.zones {
		w.dst = append(w.dst, z.kind)
		w.dst = appendString(w.dst, z.name)
		w.dst = appendString(w.dst, z.abbrev)
		w.dst = binary.AppendVarint(w.dst, int64(z.off))
	}
	w.dst = append(w.dst, w.items...)
	w.dst = binary.BigEndian.AppendUint32(w.dst, uint32(len(w.dst)-start))
	return append(w.dst, sidecarMagic...)
}

func appendString(dst []byte, s string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(s))), s...)
}

// zone returns the index of z in the table, adding it.
func (w *sidecarWriter) zone(z zoneEntry) int {
	if w.last < len(w.zones) && w.zones[w.last] == z {
		return w.last
	}
	i := slices.Index(w.zones, z)
	if i < 0 {
		i = len(w.zones)
		w.zones = append(w.zones, z)
	}
	w.last = i
	return i
}

func (w *sidecarWriter) time(t time.Time) {
	i := w.zone(zoneOf(t))
	w.items = append(w.items, 't')
	w.items = binary.AppendUvarint(w.items, uint64(i))
	w.items = binary.AppendVarint(w.items, t.Unix())
	w.items = binary.AppendUvarint(w.items, uint64(t.Nanosecond()))
}

func (w *sidecarWriter) raw(m json.RawMessage) {
	switch {
	case m == nil:
		w.items = append(w.items, 'n')
	case keptAsIs(m):
		w.items = append(w.items, 'r')
	default:
		w.items = append(w.items, 'b')
		w.items = binary.AppendUvarint(w.items, uint64(len(m)))
		w.items = append(w.items, m...)
	}
}

// binary writes the item of v, whose type has a binary form: 'r' when the
// codec gives v back with the same binary form, else the binary form.
func (w *sidecarWriter) binary(v reflect.Value) {
	if v.IsZero() {
		// The zero value may hold nil where its binary form would give
		// back a value (decimal.Decimal{}'s nil *big.Int).
		w.items = append(w.items, 'z')
		return
	}
	form, err := v.Addr().Interface().(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		w.err = fmt.Errorf("cache: %s.MarshalBinary: %w", v.Type(), err)
		return
	}
	if data, err := w.codec.Marshal(v.Addr().Interface()); err == nil {
		back := reflect.New(v.Type())
		if w.codec.Unmarshal(data, back.Interface()) == nil {
			again, err := back.Interface().(encoding.BinaryMarshaler).MarshalBinary()
			if err == nil && bytes.Equal(again, form) {
				w.items = append(w.items, 'r')
				return
			}
		}
	}
	w.items = append(w.items, 'b')
	w.items = binary.AppendUvarint(w.items, uint64(len(form)))
	w.items = append(w.items, form...)
}

// keptAsIs reports whether JSON codecs write raw message m as it is:
// compact, and with none of the characters they escape (<, >, &, U+2028,
// U+2029).
func keptAsIs(m json.RawMessage) bool {
	if bytes.ContainsAny(m, "<>&\u2028\u2029") {
		return false
	}
	var buf bytes.Buffer
	return json.Compact(&buf, m) == nil && bytes.Equal(buf.Bytes(), m)
}

// walk appends the items of the value at ptr, of the plan's type. Values
// are reached by their addresses, as the plan's offsets give them: the
// walk runs on every hit, and reflect.Value's checks would double its cost.
func (w *sidecarWriter) walk(p *sidecarPlan, ptr unsafe.Pointer) {
	switch p.kind {
	case planTime:
		w.time(*(*time.Time)(ptr))
	case planRaw:
		w.raw(*(*json.RawMessage)(ptr))
	case planBinary:
		w.binary(reflect.NewAt(p.typ, ptr).Elem())
	case planPointer:
		if elem := *(*unsafe.Pointer)(ptr); !skipPointer(p, elem) {
			w.walk(p.elem, elem)
		}
	case planSlice, planArray:
		data, n := elements(p, ptr)
		for i := range n {
			w.walk(p.elem, unsafe.Add(data, uintptr(i)*p.elem.typ.Size()))
		}
	case planMap:
		m := reflect.NewAt(p.typ, ptr).Elem()
		for _, k := range sortedKeys(m) {
			e := reflect.New(p.typ.Elem())
			e.Elem().Set(m.MapIndex(k))
			w.walk(p.elem, e.UnsafePointer())
		}
	case planStruct:
		for _, f := range p.fields {
			w.walk(f.plan, unsafe.Add(ptr, f.offset))
		}
	}
}

// elements returns the address of the first element of the slice or array
// at ptr, and their number.
func elements(p *sidecarPlan, ptr unsafe.Pointer) (unsafe.Pointer, int) {
	if p.kind == planArray {
		return ptr, p.typ.Len()
	}
	s := (*sliceHeader)(ptr)
	return s.data, s.len
}

// sliceHeader is the layout of a slice.
type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

// skipPointer reports whether the walk does not follow the pointer elem:
// a nil one, or one to a nil raw message, which JSON writes as null and
// gives back as a nil pointer.
func skipPointer(p *sidecarPlan, elem unsafe.Pointer) bool {
	if elem == nil {
		return true
	}
	return p.elem.kind == planRaw && *(*json.RawMessage)(elem) == nil
}

// sortedKeys returns the keys of map v in an order that depends on the
// keys only.
func sortedKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	slices.SortFunc(keys, compareValues)
	return keys
}

// compareValues orders two values of one type of the kinds map keys have.
func compareValues(a, b reflect.Value) int {
	switch a.Kind() {
	case reflect.String:
		return strings.Compare(a.String(), b.String())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp.Compare(a.Int(), b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp.Compare(a.Uint(), b.Uint())
	case reflect.Float32, reflect.Float64:
		return cmp.Compare(a.Float(), b.Float())
	case reflect.Bool:
		switch {
		case a.Bool() == b.Bool():
			return 0
		case a.Bool():
			return 1
		}
		return -1
	case reflect.Array:
		for i := range a.Len() {
			if c := compareValues(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if c := compareValues(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
	case reflect.Pointer, reflect.Interface:
		switch {
		case a.IsNil() || b.IsNil():
			return cmp.Compare(boolInt(!a.IsNil()), boolInt(!b.IsNil()))
		}
		if a.Kind() == reflect.Interface && a.Elem().Type() != b.Elem().Type() {
			return strings.Compare(a.Elem().Type().String(), b.Elem().Type().String())
		}
		return compareValues(a.Elem(), b.Elem())
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sidecarReader reads a sidecar's items back into a decoded value.
type sidecarReader struct {
	first resolvedZone   // the zone table's first entry: mostly its only one
	rest  []resolvedZone // the others
	n     int            // the number of zones
	items []byte
}

// resolvedZone is a zone entry as read, with the Location it restores
// times in. Its bytes are the sidecar's: it lives no longer than a decode.
type resolvedZone struct {
	kind   byte
	abbrev []byte
	off    int
	loc    *time.Location // nil for a named zone this machine does not have
	// [from, until) are the Unix seconds in which loc is known to give the
	// abbreviation and offset, once a time in them was restored (known).
	from, until int64
	known       bool
}

// init reads the zone table of a sidecar.
func (r *sidecarReader) init(side []byte) error {
	r.items = side
	n, err := r.uvarint()
	if err != nil || n > uint64(len(side)) {
		return fmt.Errorf("%w: zone table", errSidecar)
	}
	for range n {
		if len(r.items) == 0 {
			return fmt.Errorf("%w: zone table", errSidecar)
		}
		z := resolvedZone{kind: r.items[0]}
		r.items = r.items[1:]
		name, err1 := r.bytes()
		abbrev, err2 := r.bytes()
		off, err3 := r.varint()
		if err := errors.Join(err1, err2, err3); err != nil || off < -maxOffset || off > maxOffset {
			return fmt.Errorf("%w: zone table", errSidecar)
		}
		z.abbrev, z.off = abbrev, int(off)
		z.loc = z.location(name)
		if r.n == 0 {
			r.first = z
		} else {
			r.rest = append(r.rest, z)
		}
		r.n++
	}
	return nil
}

// zone returns the i-th entry of the zone table.
func (r *sidecarReader) zone(i int) *resolvedZone {
	if i == 0 {
		return &r.first
	}
	return &r.rest[i-1]
}

func (r *sidecarReader) uvarint() (uint64, error) {
	v, n := binary.Uvarint(r.items)
	if n <= 0 {
		return 0, errSidecar
	}
	r.items = r.items[n:]
	return v, nil
}

func (r *sidecarReader) varint() (int64, error) {
	v, n := binary.Varint(r.items)
	if n <= 0 {
		return 0, errSidecar
	}
	r.items = r.items[n:]
	return v, nil
}

func (r *sidecarReader) bytes() ([]byte, error) {
	n, err := r.uvarint()
	if err != nil || n > uint64(len(r.items)) {
		return nil, errSidecar
	}
	b := r.items[:n:n]
	r.items = r.items[n:]
	return b, nil
}

// time reads a time item and puts it in place of t, the codec's.
func (r *sidecarReader) time(t *time.Time) error {
	b := r.items
	if len(b) == 0 || b[0] != 't' {
		return fmt.Errorf("%w: want a time", errSidecar)
	}
	i, n1 := binary.Uvarint(b[1:])
	if n1 <= 0 {
		return fmt.Errorf("%w: time item", errSidecar)
	}
	sec, n2 := binary.Varint(b[1+n1:])
	if n2 <= 0 {
		return fmt.Errorf("%w: time item", errSidecar)
	}
	nsec, n3 := binary.Uvarint(b[1+n1+n2:])
	if n3 <= 0 || i >= uint64(r.n) || nsec >= 1e9 {
		return fmt.Errorf("%w: time item", errSidecar)
	}
	r.items = b[1+n1+n2+n3:]
	if d := t.Unix() - sec; d < -59 || d > 59 {
		return fmt.Errorf("%w: the codec gave back %v for a time at %v", errSidecar, *t, time.Unix(sec, int64(nsec)).UTC())
	}
	*t = r.zone(int(i)).restore(sec, int64(nsec))
	return nil
}

func (r *sidecarReader) raw(m *json.RawMessage) error {
	if len(r.items) == 0 {
		return fmt.Errorf("%w: want a raw message", errSidecar)
	}
	tag := r.items[0]
	r.items = r.items[1:]
	switch tag {
	case 'r':
	case 'n':
		*m = nil
	case 'b':
		b, err := r.bytes()
		if err != nil {
			return err
		}
		*m = bytes.Clone(b)
	default:
		return fmt.Errorf("%w: want a raw message", errSidecar)
	}
	return nil
}

// binary reads the item of v, whose type has a binary form.
func (r *sidecarReader) binary(v reflect.Value) error {
	if len(r.items) == 0 {
		return fmt.Errorf("%w: want a binary form", errSidecar)
	}
	tag := r.items[0]
	r.items = r.items[1:]
	switch tag {
	case 'r':
		return nil
	case 'z':
		v.SetZero()
		return nil
	case 'b':
		form, err := r.bytes()
		if err != nil {
			return err
		}
		fresh := reflect.New(v.Type())
		if err := fresh.Interface().(encoding.BinaryUnmarshaler).UnmarshalBinary(form); err != nil {
			return fmt.Errorf("%w: %s.UnmarshalBinary: %v", errSidecar, v.Type(), err)
		}
		v.Set(fresh.Elem())
		return nil
	}
	return fmt.Errorf("%w: want a binary form", errSidecar)
}

// walk restores the items into the value at ptr, of the plan's type,
// decoded by the codec.
func (r *sidecarReader) walk(p *sidecarPlan, ptr unsafe.Pointer) error {
	switch p.kind {
	case planTime:
		return r.time((*time.Time)(ptr))
	case planRaw:
		return r.raw((*json.RawMessage)(ptr))
	case planBinary:
		return r.binary(reflect.NewAt(p.typ, ptr).Elem())
	case planPointer:
		if elem := *(*unsafe.Pointer)(ptr); !skipPointer(p, elem) {
			return r.walk(p.elem, elem)
		}
	case planSlice, planArray:
		data, n := elements(p, ptr)
		for i := range n {
			if err := r.walk(p.elem, unsafe.Add(data, uintptr(i)*p.elem.typ.Size())); err != nil {
				return err
			}
		}
	case planMap:
		m := reflect.NewAt(p.typ, ptr).Elem()
		for _, k := range sortedKeys(m) {
			e := reflect.New(p.typ.Elem())
			e.Elem().Set(m.MapIndex(k))
			if err := r.walk(p.elem, e.UnsafePointer()); err != nil {
				return err
			}
			m.SetMapIndex(k, e.Elem())
		}
	case planStruct:
		for _, f := range p.fields {
			if err := r.walk(f.plan, unsafe.Add(ptr, f.offset)); err != nil {
				return err
			}
		}
	}
	return nil
}
