package cache

import "encoding/json"

// Codec turns results into bytes and back. Its Name is stored in every entry,
// so entries written by another codec are misses, not garbage.
type Codec interface {
	// Name identifies the codec in entry headers: letters and digits only.
	Name() string
	// Marshal encodes v.
	Marshal(v any) ([]byte, error)
	// Unmarshal decodes data into the value v points to.
	Unmarshal(data []byte, v any) error
}

// JSON is the default [Codec]: encoding/json, readable in redis-cli.
var JSON Codec = jsonCodec{}

type jsonCodec struct{}

func (jsonCodec) Name() string                       { return "json" }
func (jsonCodec) Marshal(v any) ([]byte, error)      { return json.Marshal(v) }
func (jsonCodec) Unmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
