package cache

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// loadRun drives readers and writers over a cachedDB in the background and
// counts stale reads: reads returning a version older than one whose write
// had returned before the read started.
type loadRun struct {
	committed atomic.Int64
	reads     atomic.Int64
	stale     atomic.Int64
	errs      atomic.Int64
	maxLat    atomic.Int64 // nanoseconds, of any read or write
	stop      chan struct{}
	wg        waitGroup
}

func startLoad(db cachedDB, readers, writers int, writeEvery time.Duration) *loadRun {
	l := &loadRun{stop: make(chan struct{})}
	ctx := context.Background()
	timed := func(f func()) {
		start := time.Now()
		f()
		d := int64(time.Since(start))
		for {
			cur := l.maxLat.Load()
			if d <= cur || l.maxLat.CompareAndSwap(cur, d) {
				return
			}
		}
	}
	for range readers {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				floor := l.committed.Load()
				var v int64
				var err error
				timed(func() { v, err = db.read(ctx) })
				if err != nil {
					l.errs.Add(1)
					continue
				}
				l.reads.Add(1)
				if v < floor {
					l.stale.Add(1)
				}
			}
		})
	}
	for range writers {
		l.wg.Go(func() {
			for {
				select {
				case <-l.stop:
					return
				case <-time.After(writeEvery/2 + time.Duration(rand.Int64N(int64(writeEvery)))):
				}
				var n int64
				timed(func() { n = db.write(ctx) })
				for {
					cur := l.committed.Load()
					if n <= cur || l.committed.CompareAndSwap(cur, n) {
						break
					}
				}
			}
		})
	}
	return l
}

// finish stops the load and waits for it.
func (l *loadRun) finish() {
	close(l.stop)
	l.wg.Wait()
}

func (l *loadRun) max() time.Duration { return time.Duration(l.maxLat.Load()) }
