package cache

import "sync"

// waitGroup is a sync.WaitGroup with the Go method of Go 1.25, which the
// module's go line does not reach.
type waitGroup struct{ sync.WaitGroup }

// Go runs f in a new goroutine counted by the group.
func (wg *waitGroup) Go(f func()) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		f()
	}()
}
