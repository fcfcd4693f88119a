package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"

	gojson "github.com/goccy/go-json"
	"github.com/vmihailenco/msgpack/v5"
)

// Codec turns results into bytes and back. Its Name is stored in every entry,
// so entries written by another codec are misses, not garbage.
//
// What a codec does not keep of time.Time and json.RawMessage values (a
// time's Location and the seconds of its offset, a raw message's spacing)
// the cache keeps beside the codec's bytes and puts back after decoding:
// those come back exactly whatever the codec.
type Codec interface {
	// Name identifies the codec in entry headers: letters and digits only.
	Name() string
	// Marshal encodes v.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into the value v points to. It must not keep or
	// modify data.
	Unmarshal(data []byte, v any) error
}

// JSON is the default [Codec]: text JSON, readable in redis-cli, with the
// semantics of encoding/json (tags, time.Time, MarshalJSON and the rest),
// encoded and decoded by github.com/goccy/go-json, several times faster.
var JSON Codec = goJSONCodec{}

// StdJSON is encoding/json itself. Its entries are the same JSON as [JSON]'s
// and the two read each other's entries.
var StdJSON Codec = stdJSONCodec{}

// Msgpack is a binary [Codec] (github.com/vmihailenco/msgpack/v5): smaller
// entries, not readable in redis-cli, and msgpack's own rules (msgpack
// tags, not json tags). cachegen checks result types against JSON's rules,
// not msgpack's: a nil embedded pointer comes back pointing to a zero
// struct, a type encoding itself only with MarshalJSON loses its
// unexported fields, a decimal.NullDecimal its trailing zeros. Use it for
// results of plain exported fields.
var Msgpack Codec = msgpackCodec{}

// ErrInexact is the encoding error of a value the codec would not give back
// as it was. Such a value is returned to the caller but not stored.
var ErrInexact = errors.New("cache: the codec would not give this value back as it was")

// errReplacedUTF8 is the encoding error of a value holding a string that is
// not valid UTF-8.
var errReplacedUTF8 = fmt.Errorf("%w: a string is not valid UTF-8, and JSON replaces its bytes", ErrInexact)

// exactJSON refuses JSON in which encoding/json replaced bytes that are not
// valid UTF-8 (in a string or a map key) by the escape \ufffd: decoded, the
// string would differ. A U+FFFD that was in the string is written as itself,
// not escaped, so the escape only appears for replaced bytes; or with its
// backslash escaped (\\ufffd) in a string written inside a string by the
// ,string option, which is also how a backslash followed by "ufffd" is
// written: then the value is decoded (into a new value of v's type) and
// encoded again, and kept only if that gives the same JSON.
func exactJSON(v any, data []byte, err error, marshal func(any) ([]byte, error), unmarshal func([]byte, any) error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	escaped := false // an escape whose backslash is escaped was found
	for i := 0; ; {
		j := bytes.Index(data[i:], []byte(`\ufffd`))
		if j < 0 {
			break
		}
		j += i
		// An escape when an even number of backslashes precedes it.
		n := 0
		for k := j - 1; k >= 0 && data[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return nil, errReplacedUTF8
		}
		escaped = true
		i = j + 1
	}
	if escaped && v != nil {
		p := reflect.New(reflect.TypeOf(v))
		if err := unmarshal(data, p.Interface()); err != nil {
			return nil, err
		}
		again, err := marshal(p.Elem().Interface())
		if err != nil || !bytes.Equal(again, data) {
			return nil, errReplacedUTF8
		}
	}
	return data, nil
}

type goJSONCodec struct{}

func (goJSONCodec) Name() string { return "json" }
func (goJSONCodec) Marshal(v any) ([]byte, error) {
	data, err := gojson.Marshal(v)
	return exactJSON(v, data, err, gojson.Marshal, gojson.Unmarshal)
}
func (goJSONCodec) Unmarshal(data []byte, v any) error { return gojson.Unmarshal(data, v) }

type stdJSONCodec struct{}

func (stdJSONCodec) Name() string { return "json" }
func (stdJSONCodec) Marshal(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	return exactJSON(v, data, err, json.Marshal, json.Unmarshal)
}
func (stdJSONCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

type msgpackCodec struct{}

func (msgpackCodec) Name() string { return "msgpack" }
func (msgpackCodec) Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := msgpack.GetEncoder()
	defer msgpack.PutEncoder(enc)
	enc.Reset(&buf)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
func (msgpackCodec) Unmarshal(data []byte, v any) error { return msgpack.Unmarshal(data, v) }
