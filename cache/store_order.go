package cache

import "sync"

// storeOrder runs the stores of one entry key in the order they were
// made: each waits for the one made before it. A miss stores its entry
// after returning, so without it a store held up (a slow connection, a
// busy machine) could land after the store of a newer result of the same
// key, made after a write, and replace it. That is not a stale read (the
// older entry's versions are not current) but it throws the newer entry
// away: the next reads miss and load again.
//
// The zero value is ready to use.
type storeOrder struct {
	mu   sync.Mutex
	last map[string]chan struct{} // by entry key: the latest store's end; guarded by mu
}

// after returns store, made to run after the store of key made before it
// (if any) has ended. The returned function must be called: the next
// store of key waits for it.
func (o *storeOrder) after(key string, store func()) func() {
	done := make(chan struct{})
	o.mu.Lock()
	if o.last == nil {
		o.last = make(map[string]chan struct{})
	}
	prev := o.last[key]
	o.last[key] = done
	o.mu.Unlock()
	return func() {
		defer func() {
			o.mu.Lock()
			if o.last[key] == done {
				delete(o.last, key)
			}
			o.mu.Unlock()
			close(done)
		}()
		if prev != nil {
			<-prev // bounded: that store's own timeout ends it
		}
		store()
	}
}
