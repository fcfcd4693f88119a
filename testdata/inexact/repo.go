// Package inexact holds result types that JSON would not give back as they
// were: cachegen refuses each, with every reason in one run.
package inexact

import (
	"context"
	"encoding/json"
	"math/big"
	"time"
)

// Dup has two fields with the same JSON name: encoding/json drops both.
type Dup struct {
	A int `json:"x"`
	B int `json:"x"`
}

type Audit struct {
	ID      int64
	Created time.Time
}

type Owner struct {
	ID   int64
	Name string
}

// Row embeds two structs that both have ID: both IDs are dropped.
type Row struct {
	Audit
	Owner
	Name string
}

type Article struct {
	ID        int64
	Title     string
	CreatedAt time.Time
}

type Author struct {
	ID        int64
	Name      string
	CreatedAt time.Time
}

// ArticleWithAuthor is a join row: IDs and timestamps clash.
type ArticleWithAuthor struct {
	Article
	Author
}

// Shadowed hides Audit.ID behind its own ID.
type Shadowed struct {
	Audit
	ID string
}

// Stamped embeds time.Time, whose MarshalJSON becomes Stamped's: Note is lost.
type Stamped struct {
	time.Time
	Note string
}

// OnlyMarshal encodes itself but decodes by fields.
type OnlyMarshal struct{ V int }

func (o OnlyMarshal) MarshalJSON() ([]byte, error) { return json.Marshal(o.V) }

// OnlyUnmarshal decodes itself but encodes by fields.
type OnlyUnmarshal struct{ V int }

func (o *OnlyUnmarshal) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &o.V) }

// Cents encodes itself as a number.
type Cents int64

func (c Cents) MarshalJSON() ([]byte, error)  { return json.Marshal(int64(c)) }
func (c *Cents) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, (*int64)(c)) }

// Quirks collects the per-field problems: five reasons, one run.
type Quirks struct {
	secret   string
	Skipped  string `json:"-"`
	Price    Cents  `json:",string"`
	Num      json.Number
	Balances map[string]big.Int
	Until    Deadline `json:",omitzero"`
	*extra
	Opt *Optional
}

type extra struct{ Note string }

// Deadline has its own IsZero, which omitzero would trust.
type Deadline struct{ At int64 }

func (d Deadline) IsZero() bool { return d.At < 0 }

// Optional is embedded by pointer with every field omitempty.
type Optional struct {
	*Flags
}

type Flags struct {
	Hot  bool   `json:",omitempty"`
	Note string `json:",omitempty"`
}

// Key is a string type read back with UnmarshalText.
type Key string

func (k *Key) UnmarshalText(b []byte) error { *k = Key("k" + string(b)); return nil }

type Repo interface {
	// big.Float's text form is read back at 64 bits of precision.
	//cache:expire=60 namespace=things
	GetRatio(ctx context.Context, id int64) (*big.Float, error)
	//cache:expire=60 namespace=things
	GetDup(ctx context.Context, id int64) (Dup, error)
	//cache:expire=60 namespace=things
	GetRow(ctx context.Context, id int64) (Row, error)
	//cache:expire=60 namespace=things
	GetArticle(ctx context.Context, id int64) (*ArticleWithAuthor, error)
	//cache:expire=60 namespace=things
	GetShadowed(ctx context.Context, id int64) (Shadowed, error)
	//cache:expire=60 namespace=things
	GetStamped(ctx context.Context, id int64) ([]Stamped, error)
	//cache:expire=60 namespace=things
	GetHalves(ctx context.Context, id int64) (OnlyMarshal, OnlyUnmarshal, error)
	//cache:expire=60 namespace=things
	GetQuirks(ctx context.Context, id int64) (Quirks, error)
	//cache:expire=60 namespace=things
	GetKeys(ctx context.Context, id int64) (map[Key]int, error)
	//cache:expire=60 namespace=things
	GetComplex(ctx context.Context, id int64) (map[string][]complex128, error)
	//cache:expire=60 namespace=things
	GetEuro(ctx context.Context, id int64) (Euro, error)
	//cache:expire=60 namespace=things
	GetPatch(ctx context.Context, id int64) (Patch, error)
	//cache:expire=60 namespace=things
	GetCustomer(ctx context.Context, id int64) (Customer, error)
	//cache:expire=60 namespace=things
	GetEvent(ctx context.Context, id int64) (Event, error)
	//cache:expire=60 namespace=things
	GetDraft(ctx context.Context, id int64) (Draft, error)
	//cache:expire=60 namespace=things
	GetFlagged(ctx context.Context, id int64) (Flagged, error)
	//cache:expire=60 namespace=things
	GetTagged(ctx context.Context, id int64) (Tagged, error)
	//cache:expire=60 namespace=things
	GetMarked(ctx context.Context, id int64) (Marked, error)
	//cache:expire=60 namespace=things
	GetLabelled(ctx context.Context, id int64) (Labelled, error)
	//cache:expire=60 namespace=things
	GetMarkers(ctx context.Context, id int64) (Markers, error)
	//cache:expire=60 namespace=things
	GetByDay(ctx context.Context, id int64) (map[time.Time]int, error)
}

// The cases below were found by FuzzExactness (generator/exact_fuzz_test.go).

// Euro tags Price with a name encoding/json ignores ("€" is not a letter):
// Price keeps its Go name, which Amount's tag takes.
type Euro struct {
	Price  int `json:"€"`
	Amount int `json:"Price"`
}

// Patch points to a slice, a pointer and a map: a pointer to a nil one is
// written as null and comes back as a nil pointer.
type Patch struct {
	Labels *[]string
	Owner  **int64
	Attrs  *map[string]string
}

// Customer embeds pointers that JSON can hold nothing of, which come back
// nil: Deleted has no fields, and Contact's only field is under its own
// embedded pointer.
type Customer struct {
	*Deleted
	*Contact
	Name string
}

type Deleted struct{}

type Contact struct {
	*Address
}

type Address struct {
	Street string
}

// Event embeds *time.Time alone: time.Time's MarshalJSON and UnmarshalJSON
// become Event's, and decoding calls UnmarshalJSON on the nil pointer.
type Event struct {
	*time.Time
}

// Draft has options the codec cannot honour on pointers: ,string on a
// pointer to a type that encodes itself (written unquoted, then refused
// when read), and omitzero on a pointer to a type with IsZero (a pointer to
// the zero time is left out and comes back nil).
type Draft struct {
	Price     *Cents     `json:",string"`
	Published *time.Time `json:",omitzero"`
}

// Flagged tags a field that holds nothing and one that holds data with the
// same name: encoding/json drops both.
type Flagged struct {
	Seen  struct{} `json:"v"`
	Value string   `json:"v"`
}

// Tagged names an unexported embedded pointer with its tag: encoding/json
// writes it, then panics when decoding into the unexported field.
type Tagged struct {
	*extra `json:"extra"`
	ID     int64
}

// Marked has a field that holds nothing under the JSON name of a tagged
// field at the same depth: encoding/json keeps the tagged one, but
// goccy/go-json (the default codec, v0.11) decodes into the other and
// drops Value.
type Marked struct {
	Value    int64 `json:"Selected"`
	Selected struct{}
}

// Labelled has the ,string option where goccy/go-json (the default codec,
// v0.11) reads the field back wrong: on a pointer to a struct (encoding/json
// ignores the option there; goccy/go-json fails), and on an embedded field
// named by its type (goccy/go-json keeps the quotes).
type Labelled struct {
	Since *time.Time `json:",string"`
	Label `json:",string"`
}

type Label string

// Markers tags two fields that hold nothing with one name: encoding/json
// drops both, but goccy/go-json (the default codec) writes one as {} and
// reads it into ID, whose name differs only in case.
type Markers struct {
	A  struct{} `json:"id"`
	B  struct{} `json:"id"`
	ID int64
}
