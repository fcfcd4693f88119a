//go:build !race

package cache

// raceEnabled is set under -race, where sync.Pool drops some of what it
// is given: allocation counts do not hold there.
const raceEnabled = false
