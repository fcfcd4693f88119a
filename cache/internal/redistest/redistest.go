// Package redistest starts redis-server processes and fault-injecting TCP
// proxies for the tests of the runtime module. Everything it starts
// listens on loopback, on ports of its own, and stops when the test ends.
package redistest

import (
	"bufio"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// FreePort returns a loopback port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Need skips the test when redis-server is not installed.
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("needs redis-server on PATH (apt-get install redis-server; .ci/run installs it)")
	}
}

// Server is a redis-server process of a test's own.
type Server struct {
	t    testing.TB
	port int
	args []string
	cmd  *exec.Cmd
}

// Start starts redis-server on a free port, without persistence, with the
// extra config args; it skips the test without the binary.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	return StartOn(t, FreePort(t), args...)
}

// StartOn is Start on a given port.
func StartOn(t testing.TB, port int, args ...string) *Server {
	t.Helper()
	Need(t)
	s := &Server{t: t, port: port, args: args}
	s.Start()
	t.Cleanup(s.Kill)
	return s
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.port) }

// Start starts the server again after Kill, empty, on the same port, and
// waits until it answers PING.
func (s *Server) Start() {
	s.t.Helper()
	dir := s.t.TempDir()
	args := append([]string{"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", dir + "/redis.log"}, s.args...)
	s.cmd = exec.Command("redis-server", args...)
	if err := s.cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", s.Addr())
		if err == nil {
			c.Write([]byte("PING\r\n"))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return
			}
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(dir + "/redis.log")
			s.t.Fatalf("redis-server on %s did not start: %v\n%s", s.Addr(), err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		s.cmd = nil
	}
}

// Mode is how a Proxy treats connections.
type Mode int32

// The modes of a Proxy.
const (
	Forward Mode = iota // pass bytes through
	Hang                // accept, read, never answer
	Refuse              // accept and close at once
)

// Proxy is a TCP proxy in front of a Redis, for fault injection: it can
// hang, refuse, or add latency to every chunk sent back.
type Proxy struct {
	ln       net.Listener
	target   string
	mode     atomic.Int32
	delay    atomic.Int64
	accepted atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]bool
}

// StartProxy starts a proxy to target, stopped when the test ends.
func StartProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.Reset() })
	return p
}

// Addr returns the proxy's host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// Accepted returns how many connections the proxy has accepted.
func (p *Proxy) Accepted() int64 { return p.accepted.Load() }

// SetDelay adds d before each chunk the server sends back.
func (p *Proxy) SetDelay(d time.Duration) { p.delay.Store(int64(d)) }

// Set changes the mode and drops every open connection, so the new mode
// applies to all traffic from now on.
func (p *Proxy) Set(m Mode) {
	p.mode.Store(int32(m))
	p.Reset()
}

// Reset closes every open connection.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *Proxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns[c] = true
	p.mu.Unlock()
}

func (p *Proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		switch Mode(p.mode.Load()) {
		case Refuse:
			c.Close()
		case Hang:
			p.track(c)
			go io.Copy(io.Discard, c)
		default:
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.track(c)
			p.track(up)
			go func() { io.Copy(up, c); up.Close() }()
			go p.back(c, up)
		}
	}
}

// back copies the server's replies to the client, delayed.
func (p *Proxy) back(c, up net.Conn) {
	defer c.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := up.Read(buf)
		if n > 0 {
			if d := time.Duration(p.delay.Load()); d > 0 {
				time.Sleep(d)
			}
			if _, werr := c.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}
