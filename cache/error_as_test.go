package cache

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// missingError is a typed not-found error with a pointer receiver.
type missingError struct {
	ID     string `json:"id"`
	secret string // encoding/json drops it
}

func (e *missingError) Error() string { return "no training " + e.ID + e.secret }

// goneError is one with a value receiver.
type goneError struct{ ID string }

func (e goneError) Error() string { return "gone: " + e.ID }

// TestErrorAsNotFound: a not-found error matched by type is cached; a hit,
// from the memo, the store or the near cache, returns an error with the
// load's message that errors.As matches, with the fields encoding/json
// keeps.
func TestErrorAsNotFound(t *testing.T) {
	for _, near := range []bool{false, true} {
		t.Run(fmt.Sprint("near=", near), func(t *testing.T) {
			opts := []Option{WithPrefix(testPrefix(t))}
			if near {
				opts = append(opts, WithNearCache(NearCache{}))
			}
			c := New(NewMemoryStore(), opts...)
			errVar := errors.New("plain")
			m := c.Method("R.Get", time.Minute, "trainings").NotFound(0, errVar, ErrorAs[*missingError](), ErrorAs[goneError]())
			ctx := context.Background()
			loads := 0
			get := func(id int64, err error) error {
				k := m.Key()
				k.Int(id)
				_, got := Fetch(ctx, m, k, func(context.Context) (book, error) { loads++; return book{}, err })
				return got
			}
			check := func(id int64, load error) {
				t.Helper()
				before := loads
				first := get(id, load)
				settle(t, c)
				for i := range 2 {
					got := get(id, load)
					if got == nil || got.Error() != first.Error() || first.Error() != load.Error() {
						t.Fatalf("call %d: %v, want the message %q", i+2, got, load.Error())
					}
					var me *missingError
					var ge goneError
					switch {
					case errors.As(load, &me):
						if !errors.As(got, &me) || me.ID != "t-1" {
							t.Fatalf("call %d: errors.As gives %+v, want ID t-1", i+2, me)
						}
					case errors.As(load, &ge):
						if !errors.As(got, &ge) || ge.ID != "t-2" {
							t.Fatalf("call %d: errors.As gives %+v, want ID t-2", i+2, ge)
						}
					default:
						if got != errVar {
							t.Fatalf("call %d: %v, want the variable itself", i+2, got)
						}
					}
				}
				if loads-before != 1 {
					t.Fatalf("%d loads for 3 calls of a cached not-found, want 1", loads-before)
				}
			}
			check(1, fmt.Errorf("loading: %w", &missingError{ID: "t-1", secret: "!"}))
			check(2, goneError{ID: "t-2"})
			check(3, errVar)
			// Other errors are not cached.
			before := loads
			get(4, errors.New("boom"))
			get(4, errors.New("boom"))
			if loads-before != 2 {
				t.Fatalf("an error matched by nothing: %d loads for 2 calls, want 2", loads-before)
			}
		})
	}
}

// TestErrorAsBadRecord: a record that does not decode still gives an error
// that errors.As matches.
func TestErrorAsBadRecord(t *testing.T) {
	err := ErrorAs[*missingError]().(errorType).rebuild([]byte("{"))
	var me *missingError
	if err.Error() == "" || !errors.As(err, &me) || me == nil {
		t.Fatalf("%v: want a message and a *missingError", err)
	}
}
