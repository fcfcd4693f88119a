package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
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
// The zero value is ready to use.
type flightGroup struct {
	mu    sync.Mutex
	calls map[string]*flightCall // calls in flight, by key; guarded by mu
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

// do returns the result of fn for key. It starts fn on a new goroutine
// unless a call for key is in flight, then waits for the result or for the
// end of ctx, whichever comes first; in the second case it returns
// ctx.Err(). A panic in fn is raised again in every waiting caller as a
// *panicError holding the original stack. orphaned, if not nil, receives the
// panic or Goexit of a call that ends after every caller left.
func (g *flightGroup) do(ctx context.Context, key string, fn func(context.Context) (any, error), orphaned func(error)) (any, error) {
	g.mu.Lock()
	c, ok := g.calls[key]
	if !ok {
		if g.calls == nil {
			g.calls = make(map[string]*flightCall)
		}
		callCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		c = &flightCall{done: make(chan struct{}), cancel: cancel, orphaned: orphaned}
		g.calls[key] = c
		go g.run(callCtx, key, c, fn)
	}
	c.waiters++
	g.mu.Unlock()
	return g.wait(ctx, key, c)
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
		if g.calls[key] == c {
			delete(g.calls, key)
		}
	}
	return true
}

// run calls fn and publishes its result in c.
func (g *flightGroup) run(ctx context.Context, key string, c *flightCall, fn func(context.Context) (any, error)) {
	normal, recovered := false, false
	defer func() {
		if !normal && !recovered {
			c.err = errLoadExited
		}
		g.mu.Lock()
		c.finished = true
		alone := c.waiters == 0
		if g.calls[key] == c {
			delete(g.calls, key)
		}
		g.mu.Unlock()
		c.cancel()
		close(c.done)
		if alone && !normal && c.orphaned != nil {
			c.orphaned(c.err)
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
		c.val, c.err = fn(ctx)
		normal = true
	}()
	if !normal {
		recovered = true // a panic, recovered above; not a Goexit
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
