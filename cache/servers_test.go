package cache

import (
	"bufio"
	"context"
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

	"github.com/redis/go-redis/v9"
)

// freePort returns a loopback port nothing listens on now.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// redisProc is a redis-server process of a test's own.
type redisProc struct {
	t    testing.TB
	port int
	args []string
	cmd  *exec.Cmd
}

// needRedisServer skips the test when redis-server is not installed.
func needRedisServer(t testing.TB) string {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("needs redis-server on PATH (apt-get install redis-server; .ci/run installs it)")
	}
	return path
}

// startRedis starts redis-server on a free port with extra config args,
// stopped when the test ends.
func startRedis(t testing.TB, args ...string) *redisProc {
	t.Helper()
	needRedisServer(t)
	p := &redisProc{t: t, port: freePort(t), args: args}
	p.start()
	t.Cleanup(p.kill)
	return p
}

func (p *redisProc) addr() string { return "127.0.0.1:" + strconv.Itoa(p.port) }

func (p *redisProc) start() {
	p.t.Helper()
	dir := p.t.TempDir()
	args := append([]string{"--port", strconv.Itoa(p.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", dir + "/redis.log"}, p.args...)
	p.cmd = exec.Command("redis-server", args...)
	if err := p.cmd.Start(); err != nil {
		p.t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", p.addr())
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
			p.t.Fatalf("redis-server on %s did not start: %v\n%s", p.addr(), err, log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// kill stops the server at once (SIGKILL), as a crash would.
func (p *redisProc) kill() {
	if p.cmd != nil && p.cmd.Process != nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
		p.cmd = nil
	}
}

// proxyMode is how a proxy treats connections.
type proxyMode int32

const (
	proxyForward proxyMode = iota // pass bytes through
	proxyHang                     // accept, read, never answer
	proxyRefuse                   // accept and close at once
)

// proxy is a TCP proxy in front of a Redis, for fault injection: it can
// hang, refuse, or add latency to every chunk sent back.
type proxy struct {
	ln       net.Listener
	target   string
	mode     atomic.Int32
	delay    atomic.Int64 // added before forwarding each server chunk
	accepted atomic.Int64

	mu    sync.Mutex
	conns map[net.Conn]bool
}

func startProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.reset() })
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// set changes the mode and drops every open connection, so the new mode
// applies to all traffic from now on.
func (p *proxy) set(m proxyMode) {
	p.mode.Store(int32(m))
	p.reset()
}

func (p *proxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) track(c net.Conn) {
	p.mu.Lock()
	p.conns[c] = true
	p.mu.Unlock()
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.accepted.Add(1)
		switch proxyMode(p.mode.Load()) {
		case proxyRefuse:
			c.Close()
		case proxyHang:
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
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := up.Read(buf)
					if n > 0 {
						if d := time.Duration(p.delay.Load()); d > 0 {
							time.Sleep(d)
						}
						if _, werr := c.Write(buf[:n]); werr != nil {
							break
						}
					}
					if err != nil {
						break
					}
				}
				c.Close()
			}()
		}
	}
}

// testTarget returns the address of the Redis a proxy should forward to:
// CACHEGEN_REDIS_URL's, or a miniredis.
func testTarget(t *testing.T) string {
	if url := os.Getenv("CACHEGEN_REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		if opt.DB != 0 {
			t.Skip("the proxy tests need CACHEGEN_REDIS_URL to use database 0")
		}
		return opt.Addr
	}
	_, mr := testRedis(t)
	return mr.Addr()
}

func infoField(t testing.TB, c redis.UniversalClient, section, field string) string {
	info, err := c.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return ""
}
