// Package copies holds result types of every construct the generated copy
// functions handle, and some they must refuse; copies_test.go checks that
// each copy equals its original and shares no mutable memory with it.
package copies

import (
	"context"
	"encoding/json"
	"math/big"
	"net/netip"
	"time"

	"github.com/cachegen/cachegen/testdata/copies/ext"
)

// Author is a struct with a pointer and a map, nested in Book.
type Author struct {
	Name  string
	Born  *time.Time
	Links map[string]string
}

// Review is a struct with a pointer, in an array.
type Review struct {
	Stars int
	Text  *string
}

// Book has a field of every construct.
type Book struct {
	ID        int64
	Title     string
	Author    Author           // a nested struct
	Editor    *Author          // a pointer to a struct
	CoAuthors []*Author        // a slice of pointers
	Tags      []string         // a slice of values
	Chapters  map[string][]int // a map of slices
	Ratings   [3]int           // an array of values
	Reviews   [2]Review        // an array of structs that need copies
	Published time.Time
	Updated   *time.Time
	Price     big.Int // by value: MarshalJSON on *big.Int, called as values are encoded through a pointer
	Share     *big.Rat
	Meta      json.RawMessage
	Origin    netip.Addr
	Shelf     Shelf     // a named slice
	Index     Index     // a named map of pointers
	Stamp     ext.Stamp // another package's struct with an unexported value field
	Empty     struct{}
}

// Shelf is a named slice type.
type Shelf []string

// Index is a named map type.
type Index map[int]*Review

// Node is a recursive type.
type Node struct {
	Name     string
	Children []*Node
	Next     *Node
}

// Tree and Forest refer to each other.
type Tree struct {
	Value int
	Sub   Forest
}

// Forest is a map of trees.
type Forest map[string]*Tree

// Secretive belongs to the package: its copy replaces its unexported pointer.
type Secretive struct {
	Name string
	note *string
}

// NewSecretive returns a Secretive with a note.
func NewSecretive(name, note string) Secretive { return Secretive{Name: name, note: &note} }

type secretiveJSON struct {
	Name string
	Note *string
}

// MarshalJSON implements json.Marshaler.
func (s Secretive) MarshalJSON() ([]byte, error) { return json.Marshal(secretiveJSON{s.Name, s.note}) }

// UnmarshalJSON implements json.Unmarshaler.
func (s *Secretive) UnmarshalJSON(b []byte) error {
	var j secretiveJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*s = Secretive{Name: j.Name, note: j.Note}
	return nil
}

// Holder holds an ext.Opaque, so it cannot be copied either.
type Holder struct {
	Name   string
	Opaque ext.Opaque
}

// libraryCopyPtrNode is a name of the package's own: the generated copy of
// *Node takes another.
func libraryCopyPtrNode() {}

// Library caches results of every construct.
type Library interface {
	//cache:expire=5m namespace=books
	Book(ctx context.Context, id int64) (Book, error)
	//cache:expire=5m namespace=books
	BookPtr(ctx context.Context, id int64) (*Book, error)
	//cache:expire=5m namespace=books
	Books(ctx context.Context, n int) ([]*Book, int, error)
	//cache:expire=5m namespace=books
	Shelves(ctx context.Context) (map[string][]Book, error)
	//cache:expire=5m namespace=books
	Grid(ctx context.Context) ([2][2]*Review, error)
	//cache:expire=5m namespace=books
	Stamps(ctx context.Context) ([]ext.Stamp, error)
	//cache:expire=5m namespace=books
	Secret(ctx context.Context) (Secretive, error)
	//cache:expire=5m namespace=books
	Dates(ctx context.Context) (time.Time, *time.Time, error)
	//cache:expire=5m namespace=books
	Raw(ctx context.Context) (json.RawMessage, error)
	//cache:expire=5m namespace=books
	Price(ctx context.Context) (big.Int, error)
	//cache:expire=5m namespace=books
	Count(ctx context.Context) (int, error)
	//cache:expire=5m namespace=nodes
	Tree(ctx context.Context) (*Node, error)
	//cache:expire=5m namespace=nodes
	Forest(ctx context.Context) (Forest, error)
	//cache:expire=5m namespace=opaque
	Opaque(ctx context.Context) (ext.Opaque, error)
	//cache:expire=5m namespace=opaque
	Holder(ctx context.Context) ([]Holder, error)
	//cache:expire=5m namespace=opaque
	Guarded(ctx context.Context) (*ext.Guarded, error)
	//cache:invalidate namespace=books
	Save(ctx context.Context, b *Book) error
}

// Catalog caches some of the same types: its file declares copy functions
// of its own.
type Catalog interface {
	//cache:expire=5m namespace=books
	Find(ctx context.Context, title string) (*Book, error)
	//cache:expire=5m namespace=nodes
	Node(ctx context.Context) (Node, error)
}
