package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// echoServer answers each line it reads with the same line, on a free
// loopback port, until the test ends.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// TestDelayProxyRoundTrip sends lines through the proxy and checks that
// each comes back intact, in order, and no sooner than the round trip; ten
// lines sent back to back come back intact too (the log says how long they
// took: about one round trip, as on a long link, since the proxy holds each
// chunk from when it read it).
func TestDelayProxyRoundTrip(t *testing.T) {
	const rtt = 40 * time.Millisecond
	p, err := startDelayProxy(echoServer(t), rtt)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)

	for i, line := range []string{"one\n", "two\n", "three\n"} {
		start := time.Now()
		if _, err := io.WriteString(c, line); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if got != line {
			t.Fatalf("round trip %d: got %q, want %q", i, got, line)
		}
		if d := time.Since(start); d < rtt {
			t.Errorf("round trip %d took %v, less than the %v the proxy adds", i, d, rtt)
		}
	}

	// Ten lines written back to back.
	var sent strings.Builder
	for i := range 10 {
		sent.WriteString(strings.Repeat("x", i+1) + "\n")
	}
	start := time.Now()
	if _, err := io.WriteString(c, sent.String()); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, sent.Len())
	if _, err := io.ReadFull(r, got); err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if string(got) != sent.String() {
		t.Fatalf("pipelined lines came back as %q, want %q", got, sent.String())
	}
	if d < rtt {
		t.Errorf("pipelined lines took %v, less than the %v the proxy adds", d, rtt)
	}
	t.Logf("ten pipelined lines: %v for a round trip of %v", d, rtt)
}

// TestDelayProxyClose checks that Close ends the connections through the
// proxy: a client blocked reading gets an error or EOF, not a hang.
func TestDelayProxyClose(t *testing.T) {
	p, err := startDelayProxy(echoServer(t), 2*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := io.WriteString(c, "ping\n"); err != nil {
		t.Fatal(err)
	}
	if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	read := make(chan error, 1)
	go func() {
		_, err := c.Read(make([]byte, 1))
		read <- err
	}()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-read:
		if err == nil {
			t.Fatal("a read through the closed proxy returned data")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a read through the proxy still blocks 10 s after Close")
	}
	if _, err := net.Dial("tcp", p.Addr()); err == nil {
		t.Error("the closed proxy still accepts connections")
	}
}
