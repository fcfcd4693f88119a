package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
	"time"
)

// errLoadExited is the result of a call whose function called
// runtime.Goexit (a test's t.Fatal inside a mocked repository does).
var errLoadExited = errors.New("cache: the load called runtime.Goexit")

// flightGroup runs at most one call of a function per key at a time, on a
// goroutine of its own, and hands its result to every caller waiting for it.
//
// A call runs under a context that keeps the values of the context of the
// caller that started it, not its cancellation or deadline; that context is
// cancelled only when every waiting caller has left. Each caller waits with
// its own context and leaves with its error when it ends. A call that ends
// after every caller left still runs to completion; its function does what
// must outlive the callers (fill stores the entry). Its panic or Goexit is
// then handed to the call's orphaned function instead of being lost.
//
// A function may return, with its result, work to do after the result is
// delivered (fill stores the entry there): the call keeps its key
// meanwhile, so that callers arriving then take the result at once instead
// of starting another call.
//
// The zero value is ready to use.
type flightGroup struct {
	workers workers // the calls' goroutines
	mu      sync.Mutex
	calls   map[string]*flightCall // calls in flight, by key; guarded by mu
	storing int                    // calls running their work after delivery; guarded by mu
	idle    chan struct{}          // closed when storing drops to zero; nil if no one waits; guarded by mu
}

// flightCall is one call of a flightGroup.
type flightCall struct {
	// Set when the call is created, then only read.
	done     chan struct{}      // closed once val and err are written
	cancel   context.CancelFunc // cancels the call's context
	orphaned func(error)        // may be nil

	// Written once by the call's goroutine before done is closed, and read
	// only after done is closed.
	val any
	err error // the function's error, errLoadExited, or a *panicError

	// Guarded by flightGroup.mu.
	waiters  int  // callers waiting; only callers leaving early decrement it
	finished bool // val and err are written; done is about to be closed
}

// flightFunc is the function of a call: it returns the call's result and,
// optionally, work to do once the result is delivered.
type flightFunc func(context.Context) (val any, after func(), err error)

// do returns the result of fn for key. It starts fn on a new goroutine
// unless a call for key is in flight, then waits for the result or for the
// end of ctx, whichever comes first; in the second case it returns
// ctx.Err(). ready reports that the result was there when the caller came
// (the call was doing its work after delivery). A panic in fn is raised
// again in every waiting caller as a *panicError holding the original
// stack. orphaned, if not nil, receives the panic or Goexit of a call that
// ends after every caller left, and a panic of the work after delivery.
func (g *flightGroup) do(ctx context.Context, key string, fn flightFunc, orphaned func(error)) (val any, ready bool, err error) {
	g.mu.Lock()
	c, ok := g.calls[key]
	if !ok {
		if g.calls == nil {
			g.calls = make(map[string]*flightCall)
		}
		callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &flightCall{done: make(chan struct{}), cancel: cancel, orphaned: orphaned}
		g.calls[key] = c
		g.workers.start(func() { g.run(callCtx, key, c, fn) })
	}
	ready = c.finished
	c.waiters++
	g.mu.Unlock()
	val, err = g.wait(ctx, key, c)
	return val, ready, err
}

// wait returns c's result, or ctx's error if ctx ends first.
func (g *flightGroup) wait(ctx context.Context, key string, c *flightCall) (any, error) {
	select {
	case <-c.done:
	case <-ctx.Done():
		if g.leave(key, c) {
			return nil, ctx.Err()
		}
		<-c.done // the call finished meanwhile: take its result
	}
	if p, ok := c.err.(*panicError); ok {
		panic(p)
	}
	return c.val, c.err
}

// leave takes a caller off c's waiters, unless c has finished (then it
// returns false and the caller takes the result). The last caller to leave
// cancels c's context and removes c from the group, so that a later caller
// starts a new call rather than join a cancelled one.
func (g *flightGroup) leave(key string, c *flightCall) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if c.finished {
		return false
	}
	c.waiters--
	if c.waiters == 0 {
		c.cancel()
		g.remove(key, c)
	}
	return true
}

// run calls fn and publishes its result in c, then runs the work fn
// returned, if any, before giving up the key.
func (g *flightGroup) run(ctx context.Context, key string, c *flightCall, fn flightFunc) {
	normal, recovered := false, false
	var after func()
	defer func() {
		if !normal && !recovered {
			c.err = errLoadExited
		}
		if !normal {
			after = nil
		}
		g.mu.Lock()
		c.finished = true
		alone := c.waiters == 0
		if after == nil {
			g.remove(key, c)
		} else {
			g.storing++
		}
		g.mu.Unlock()
		close(c.done)
		c.cancel() // after does not need it: fill stores without cancellation
		if alone && !normal && c.orphaned != nil {
			c.orphaned(c.err)
		}
		if after != nil {
			g.runAfter(key, c, after)
		}
	}()
	func() {
		defer func() {
			if !normal {
				if r := recover(); r != nil {
					c.err = newPanicError(r)
				}
			}
		}()
		c.val, after, c.err = fn(ctx)
		normal = true
	}()
	if !normal {
		recovered = true // a panic, recovered above; not a Goexit
	}
}

// runAfter runs the work of c after delivery, then gives up c's key. A
// panic in it goes to c's orphaned function: the callers have their result.
func (g *flightGroup) runAfter(key string, c *flightCall, after func()) {
	defer func() {
		if r := recover(); r != nil && c.orphaned != nil {
			c.orphaned(newPanicError(r))
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		g.remove(key, c)
		if g.storing--; g.storing == 0 && g.idle != nil {
			close(g.idle)
			g.idle = nil
		}
	}()
	after()
}

// remove takes c off the group, unless another call has its key already.
// The caller holds g.mu.
func (g *flightGroup) remove(key string, c *flightCall) {
	if g.calls[key] == c {
		delete(g.calls, key)
	}
}

// waitStores waits until no call is doing its work after delivery, or until
// ctx ends; it reports whether the calls were done.
func (g *flightGroup) waitStores(ctx context.Context) bool {
	g.mu.Lock()
	if g.storing == 0 {
		g.mu.Unlock()
		return true
	}
	if g.idle == nil {
		g.idle = make(chan struct{})
	}
	idle := g.idle
	g.mu.Unlock()
	select {
	case <-idle:
		return true
	case <-ctx.Done():
		return false
	}
}

// panicError is a value a call panicked with, and the stack of the call's
// goroutine when it did, raised again in the callers that waited for it.
type panicError struct {
	value any
	stack []byte
}

// Error returns the panic value and the original stack.
func (p *panicError) Error() string {
	return fmt.Sprintf("%v\n\n%s", p.value, p.stack)
}

// Unwrap returns the panic value if it is an error.
func (p *panicError) Unwrap() error {
	err, _ := p.value.(error)
	return err
}

func newPanicError(v any) *panicError {
	stack := debug.Stack()
	// The first line, "goroutine N [running]:", names a goroutine that is
	// gone by the time a caller raises the panic again.
	if line := bytes.IndexByte(stack, '\n'); line >= 0 {
		stack = stack[line+1:]
	}
	return &panicError{value: v, stack: stack}
}

// workers runs functions each on a goroutine of its own, reusing the
// goroutines that finished one within the last workerIdle: the stack that a
// load and the encoder grew is kept for the next call instead of grown again
// from a few kilobytes on every miss (goccy/go-json's encoder needs tens;
// growing them took about as much CPU as a round trip to Redis). A call
// that ends with runtime.Goexit takes its goroutine with it.
//
// The zero value is ready to use.
type workers struct {
	once sync.Once
	idle chan func() // unbuffered: a send succeeds when a worker waits
}

// workerIdle is how long a goroutine waits for its next function.
const workerIdle = 100 * time.Millisecond

// start runs f on an idle goroutine, or on a new one.
func (w *workers) start(f func()) {
	w.once.Do(func() { w.idle = make(chan func()) })
	select {
	case w.idle <- f:
	default:
		go w.run(f)
	}
}

// run runs f, then the functions handed to it while it waits, until none
// comes within workerIdle.
func (w *workers) run(f func()) {
	t := time.NewTimer(workerIdle)
	defer t.Stop()
	for {
		f()
		if !t.Stop() {
			select { // drained for Reset, as Go before 1.23 requires
			case <-t.C:
			default:
			}
		}
		t.Reset(workerIdle)
		select {
		case f = <-w.idle:
		case <-t.C:
			return
		}
	}
}
