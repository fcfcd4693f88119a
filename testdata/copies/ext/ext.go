// Package ext holds types of another package than the cached interface's,
// whose unexported fields the generated copies cannot name.
package ext

import (
	"encoding/json"
	"sync"
	"time"
)

// Stamp has an exported pointer, which a copy replaces, and an unexported
// value, which it copies by assigning the whole struct.
type Stamp struct {
	At  time.Time
	By  *string
	seq int64
}

// NewStamp returns a Stamp of sequence number seq.
func NewStamp(at time.Time, by string, seq int64) Stamp { return Stamp{At: at, By: &by, seq: seq} }

// Seq returns the sequence number.
func (s Stamp) Seq() int64 { return s.seq }

type stampJSON struct {
	At  time.Time
	By  *string
	Seq int64
}

// MarshalJSON implements json.Marshaler.
func (s Stamp) MarshalJSON() ([]byte, error) { return json.Marshal(stampJSON{s.At, s.By, s.seq}) }

// UnmarshalJSON implements json.Unmarshaler.
func (s *Stamp) UnmarshalJSON(b []byte) error {
	var j stampJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Stamp{At: j.At, By: j.By, seq: j.Seq}
	return nil
}

// Opaque holds a pointer in an unexported field: a copy of it could not
// replace the pointer, so cachegen writes none.
type Opaque struct {
	p *int
}

// NewOpaque returns an Opaque holding n.
func NewOpaque(n int) Opaque { return Opaque{p: &n} }

// Set sets the value it points to.
func (o Opaque) Set(n int) { *o.p = n }

// MarshalJSON implements json.Marshaler.
func (o Opaque) MarshalJSON() ([]byte, error) { return json.Marshal(o.p) }

// UnmarshalJSON implements json.Unmarshaler.
func (o *Opaque) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &o.p) }

// Guarded holds a lock, which must not be copied.
type Guarded struct {
	mu sync.Mutex
	n  int
}

// MarshalJSON implements json.Marshaler.
func (g *Guarded) MarshalJSON() ([]byte, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return json.Marshal(g.n)
}

// UnmarshalJSON implements json.Unmarshaler.
func (g *Guarded) UnmarshalJSON(b []byte) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return json.Unmarshal(b, &g.n)
}
