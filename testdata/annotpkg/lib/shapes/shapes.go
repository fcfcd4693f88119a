// Package shapes declares what package dotted dot-imports.
package shapes

import "errors"

// ErrNotFound is returned for a shape that does not exist.
var ErrNotFound = errors.New("shape not found")

// Shape is a shape.
type Shape struct {
	Sides int `json:"sides"`
}
