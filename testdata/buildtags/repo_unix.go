//go:build linux || darwin

package buildtags

import "context"

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repo is declared for Linux and macOS only (_unix in a file name is no
// constraint: unix is a build tag, not a GOOS).
type Repo interface {
	//cache:expire=60 namespace=hours
	Hour(ctx context.Context, at int64) (Hour, error)
}
