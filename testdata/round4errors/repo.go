// Package round4errors holds the refusals of round 4: their messages.
package round4errors

import (
	"context"
	"time"

	"github.com/cachegen/cachegen/testdata/round4errors/acct"
)

// Filter holds an account of another package.
type Filter struct {
	Acct acct.Account
}

// Book has getters.
type Book struct{ id int64 }

// Key is a getter.
func (b Book) Key() int64 { return b.id }

// Page is not a getter: it takes a parameter.
func (b Book) Page(n int) int { return n }

// Event is an event.
type Event struct {
	At int64 `json:"at"`
}

// Feed is generic; EventFeed instantiates it with a type that cannot be
// cached.
type Feed[T any] interface {
	//cache:expire=60 namespace=events
	Next(ctx context.Context, id int64) (T, error)
}

// Timestamp hides time.Time's fields.
type Timestamp time.Time

// Stamped holds one.
type Stamped struct {
	At Timestamp `json:"at"`
}

// GoneError has an Error method with a pointer receiver.
type GoneError struct{ ID int64 }

func (e *GoneError) Error() string { return "gone" }

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// EventFeed instantiates Feed.
type EventFeed interface {
	Feed[<-chan Event]
}

// Repo has the refused annotations.
type Repo interface {
	acct.Reader
	//cache:expire=60 namespace=books key=f.Acct.secret
	Hidden(ctx context.Context, f Filter) (int64, error)
	//cache:expire=60 namespace=books key=b.Key
	NoCall(ctx context.Context, b Book) (int64, error)
	//cache:expire=60 namespace=books key=b.Page()
	WithArgs(ctx context.Context, b Book) (int64, error)
	//cache:expire=60 namespace=book:{b.Titel}
	Typo(ctx context.Context, b Book) (int64, error)
	//cache:expire=60 namespace=books key=f.Acct()
	FieldCall(ctx context.Context, f Filter) (int64, error)
	//cache:expire=60 namespace=books
	Stamp(ctx context.Context, id int64) (Stamped, error)
	//cache:expire=60 namespace=books notfound=GoneError
	ValueType(ctx context.Context, id int64) (int64, error)
	//cache:expire=60 namespace=books external
	ExternalRead(ctx context.Context, id int64) (int64, error)
}
