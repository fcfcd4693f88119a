package cache

import (
	"encoding/json"
	"errors"
	"reflect"
)

// ErrorAs returns an error standing, in [Method.NotFound], for every error
// of type E: a load's error err is one when errors.As(err, &e) finds an e
// of type E in its chain. A not-found entry of it records err's message and
// e, encoded with encoding/json; a hit returns an error with err's message
// that wraps e as decoded, so that errors.As matches it still (fields that
// encoding/json does not keep, such as unexported ones, come back zero).
//
// Called by generated code (notfound=*NotFoundError); not part of the user
// API.
func ErrorAs[E error]() error { return errorAs[E]{} }

// errorType is an error of [Method.NotFound] that stands for the errors of
// a type.
type errorType interface {
	match(err error) bool
	record(err error) []byte
	rebuild(rec []byte) error
}

type errorAs[E error] struct{}

func (errorAs[E]) Error() string {
	return "cache: the errors errors.As finds as " + reflect.TypeFor[E]().String()
}

func (errorAs[E]) match(err error) bool {
	var e E
	return errors.As(err, &e)
}

// errorRecord is what a not-found entry of an [ErrorAs] error holds.
type errorRecord struct {
	Message string          `json:"m"`
	Value   json.RawMessage `json:"v,omitempty"`
}

func (errorAs[E]) record(err error) []byte {
	var e E
	errors.As(err, &e)
	rec := errorRecord{Message: err.Error()}
	if v, jerr := json.Marshal(e); jerr == nil {
		rec.Value = v
	}
	b, _ := json.Marshal(rec) // a string and valid JSON: cannot fail
	return b
}

func (t errorAs[E]) rebuild(rec []byte) error {
	var r errorRecord
	if json.Unmarshal(rec, &r) != nil || r.Message == "" {
		r = errorRecord{Message: t.Error()} // a record that does not decode: e zero
	}
	var e E
	if len(r.Value) > 0 {
		_ = json.Unmarshal(r.Value, &e)
	}
	if v := reflect.ValueOf(&e).Elem(); v.Kind() == reflect.Pointer && v.IsNil() {
		v.Set(reflect.New(v.Type().Elem())) // errors.As finds a value, not a nil pointer
	}
	return &cachedError{msg: r.Message, err: e}
}

// cachedError is the error a hit on a not-found entry of an [ErrorAs]
// error returns: the load's error's message, wrapping the value errors.As
// found in it.
type cachedError struct {
	msg string
	err error
}

func (e *cachedError) Error() string { return e.msg }

func (e *cachedError) Unwrap() error { return e.err }
