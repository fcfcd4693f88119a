package main

import (
	"errors"
	"io"
	"net"
	"sync"
	"time"
)

// delayProxy is a TCP proxy on loopback that places a server at a chosen
// distance: every chunk of bytes it forwards, in either direction, is held
// for half the round trip before it is written on, in order. The bytes are
// the real ones, so a client through it pays the round trip once per
// exchange with the server, as over a long link, while chunks sent back to
// back travel together (the link's bandwidth is not limited).
type delayProxy struct {
	ln     net.Listener
	target string
	oneWay time.Duration

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// startDelayProxy listens on a free loopback port and forwards each
// connection to target, adding rtt to every round trip.
func startDelayProxy(target string, rtt time.Duration) (*delayProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &delayProxy{ln: ln, target: target, oneWay: rtt / 2, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.serve()
	return p, nil
}

// Addr returns the proxy's address, host:port.
func (p *delayProxy) Addr() string { return p.ln.Addr().String() }

// Close stops accepting, closes every connection and waits for the
// forwarding goroutines to end.
func (p *delayProxy) Close() error {
	err := p.ln.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return err
}

// track records c so that Close closes it; it reports false, closing c,
// when the proxy is closed already.
func (p *delayProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *delayProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *delayProxy) serve() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(client) {
			continue
		}
		p.wg.Add(1)
		go p.handle(client)
	}
}

// handle dials the target for client and forwards both ways until both
// directions have ended (or Close closes the connections).
func (p *delayProxy) handle(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	server, err := net.Dial("tcp", p.target)
	if err != nil || !p.track(server) {
		return
	}
	defer p.untrack(server)
	var both sync.WaitGroup
	both.Add(2)
	go func() { defer both.Done(); forwardDelayed(server, client, p.oneWay) }()
	go func() { defer both.Done(); forwardDelayed(client, server, p.oneWay) }()
	both.Wait()
}

// chunk is bytes read from one side, due on the other at due.
type chunk struct {
	b   []byte
	due time.Time
}

// forwardDelayed copies src to dst, writing each chunk read from src delay
// after it was read. It returns when src ends or either side fails; at the
// end of src, after the last chunk, it closes dst's writing half.
func forwardDelayed(dst, src net.Conn, delay time.Duration) {
	line := make(chan chunk, 256)
	go func() {
		defer close(line)
		for {
			b := make([]byte, 32<<10)
			n, err := src.Read(b)
			if n > 0 {
				line <- chunk{b: b[:n], due: time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()
	timer := time.NewTimer(0)
	<-timer.C
	failed := false
	for c := range line {
		if failed {
			continue // drain, so that the reader ends
		}
		if wait := time.Until(c.due); wait > 0 {
			timer.Reset(wait)
			<-timer.C
		}
		if _, err := dst.Write(c.b); err != nil {
			failed = true
			src.Close()
		}
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok && !failed {
		if err := cw.CloseWrite(); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, io.EOF) {
			dst.Close()
		}
	}
}
