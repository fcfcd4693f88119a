// Package buildtags declares interfaces in files with build constraints:
// the files generated for them carry the same constraints.
package buildtags

// Hour is an hour of availability.
type Hour struct {
	At int64 `json:"at"`
}
