package cache

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/redis/go-redis/v9"
)

// testCA is a certificate authority made for a test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

// newTestCA makes a self-signed CA named name.
func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// pool returns a pool holding the CA alone.
func (ca *testCA) pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.cert)
	return p
}

// serverFiles writes, in dir, a certificate for 127.0.0.1 signed by ca and
// its key, and returns their paths.
func (ca *testCA) serverFiles(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = dir+"/server.crt", dir+"/server.key"
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// needTLS skips the test when redis-server was built without TLS.
func needTLS(t *testing.T) {
	t.Helper()
	redistest.Need(t)
	out, _ := exec.Command("redis-server", "--port", "0", "--tls-port", "0", "--dir", t.TempDir()).CombinedOutput()
	if strings.Contains(string(out), "Bad directive") {
		t.Skip("redis-server was built without TLS (BUILD_TLS=yes); Debian's redis-server package has it")
	}
}

// tlsServer is a redis-server of a test's own, listening with TLS on a
// port of its own (and without, for the test's own commands), whose
// certificate ca signed, with the ACL users of the test.
type tlsServer struct {
	*redistest.Server
	tlsAddr string
	ca      *testCA
	admin   *redis.Client // over the plain port, as the default user
}

func startTLSServer(t *testing.T) *tlsServer {
	t.Helper()
	needTLS(t)
	ca := newTestCA(t, "cachegen test CA")
	certFile, keyFile := ca.serverFiles(t, t.TempDir())
	caFile := t.TempDir() + "/ca.crt"
	if err := os.WriteFile(caFile, ca.pem, 0o600); err != nil {
		t.Fatal(err)
	}
	port := redistest.FreePort(t)
	srv := redistest.Start(t, "--tls-port", strconv.Itoa(port), "--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-ca-cert-file", caFile, "--tls-auth-clients", "no")
	admin := redis.NewClient(RedisOptions(srv.Addr()))
	t.Cleanup(func() { admin.Close() })
	ctx := context.Background()
	for _, user := range [][]any{
		// What docs/guarantees.md (6b) says the cache needs, and no more.
		{"ACL", "SETUSER", "cache", "on", ">s3cret", "resetchannels", "~cgtest:*", "&__redis__:invalidate",
			"+get", "+mget", "+set", "+setnx", "+del", "+ping", "+hello", "+auth",
			"+client|id", "+client|tracking", "+client|list", "+subscribe"},
		// It can read, and nothing else the cache needs.
		{"ACL", "SETUSER", "reader", "on", ">s3cret", "~*", "&*", "+get", "+mget", "+ping", "+hello", "+auth"},
		// Everything but the near cache's tracking.
		{"ACL", "SETUSER", "notrack", "on", ">s3cret", "~*", "&*", "+@all", "-client|tracking"},
	} {
		if err := admin.Do(ctx, user...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	return &tlsServer{Server: srv, tlsAddr: "127.0.0.1:" + strconv.Itoa(port), ca: ca, admin: admin}
}

// options parses a rediss:// URL to s as user:pass, trusting ca.
func (s *tlsServer) options(t *testing.T, user, pass string, ca *testCA) *redis.Options {
	t.Helper()
	opt, err := ParseRedisURL("rediss://" + user + ":" + pass + "@" + s.tlsAddr + "/0")
	if err != nil {
		t.Fatal(err)
	}
	opt.TLSConfig.RootCAs = ca.pool()
	return opt
}

// dialCounter counts a client's dials.
type dialCounter struct{ dials atomic.Int64 }

func (d *dialCounter) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		d.dials.Add(1)
		return next(ctx, network, addr)
	}
}
func (d *dialCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (d *dialCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// TestRedisTLSWithACLUser: the cache over rediss://user:pass@ to a
// redis-server with TLS and ACL users, end to end: misses, hits, another
// process's write, and the tracked near cache's hits without a round trip.
func TestRedisTLSWithACLUser(t *testing.T) {
	s := startTLSServer(t)
	prefix := testPrefix(t)
	client := redis.NewClient(s.options(t, "cache", "s3cret", s.ca))
	t.Cleanup(func() { client.Close() })
	reader := New(NewRedisStore(client), WithPrefix(prefix), WithNearCache(NearCache{Tracked: true}), WithLogger(quiet))
	t.Cleanup(func() { reader.Close() })
	other := redis.NewClient(s.options(t, "cache", "s3cret", s.ca))
	t.Cleanup(func() { other.Close() })
	writer := New(NewRedisStore(other), WithPrefix(prefix), WithLogger(quiet))
	t.Cleanup(func() { writer.Close() })
	waitTracking(t, reader)

	m := reader.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("v1")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, reader)
	if b, err := getBook(ctx, m, r, 1); err != nil || b.Title != "v1" || r.loads.Load() != 1 {
		t.Fatalf("%+v, %v, %d loads: want a hit of v1", b, err, r.loads.Load())
	}
	h := &tripCounter{}
	client.AddHook(h)
	waitFor(t, "a tracked near hit", func() bool {
		h.trips.Store(0)
		getBook(ctx, m, r, 1)
		return h.trips.Load() == 0
	})

	v2 := "v2"
	r.title.Store(&v2)
	if err := writer.Invalidate(ctx, "books"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "another process's write read over TLS", func() bool {
		b, _ := getBook(ctx, m, r, 1)
		return b.Title == "v2"
	})
	list, err := s.admin.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(list, "user=cache"); n < 3 { // the store, the subscriber, a tracking connection
		t.Fatalf("%d connections as the ACL user cache, want 3 or more:\n%s", n, list)
	}
}

// TestRedisRefusalsFailFast: a wrong password, a CA that did not sign the
// server's certificate and ACL users without the commands the cache needs
// each make reads go to the repository at once, with their reason logged
// once at level Error. A refused connection opens the breaker at once:
// reads stop dialing (before, a wrong password made every read dial and
// authenticate again, and none of these logged what to fix; a missing
// SET permission was logged as "redis: nil").
func TestRedisRefusalsFailFast(t *testing.T) {
	s := startTLSServer(t)
	for _, c := range []struct {
		name, user, pass string
		ca               *testCA
		kind, says       string
		maxDials         int64 // -1: any
	}{
		{"wrong password", "cache", "wrong", s.ca, refusedAuth, "WRONGPASS", 10},
		{"wrong CA", "cache", "s3cret", newTestCA(t, "another CA"), refusedTLS, "certificate", 10},
		{"no SET permission", "reader", "s3cret", s.ca, refusedPerm, "NOPERM", -1},
	} {
		t.Run(c.name, func(t *testing.T) {
			logs := &logLines{}
			client := redis.NewClient(s.options(t, c.user, c.pass, c.ca))
			defer client.Close()
			dc := &dialCounter{}
			client.AddHook(dc)
			cc := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithNearCache(NearCache{Tracked: true}), WithLogger(slog.New(logs)))
			defer cc.Close()
			m := cc.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
			r := newRepo("Dune")
			ctx := context.Background()
			var worst time.Duration
			for range 100 {
				start := time.Now()
				if b, err := getBook(ctx, m, r, 1); err != nil || b.Title != "Dune" {
					t.Fatalf("%+v, %v", b, err)
				}
				worst = max(worst, time.Since(start))
			}
			t.Logf("100 reads, the slowest %v, %d dials", worst, dc.dials.Load())
			if r.loads.Load() != 100 {
				t.Fatalf("%d loads of 100 reads", r.loads.Load())
			}
			if c.maxDials >= 0 && dc.dials.Load() > c.maxDials {
				t.Fatalf("100 reads dialed %d times: a refused connection must open the breaker", dc.dials.Load())
			}
			waitFor(t, "the refusal logged", func() bool { return logs.count("ERROR", "refusal="+c.kind) > 0 })
			if n := logs.count("ERROR", "refusal="+c.kind, c.says); n != 1 {
				t.Fatalf("the refusal logged %d times at level Error with %q, want once:\n%s", n, c.says, strings.Join(logs.all(), "\n"))
			}
		})
	}
}

// TestTrackingRefusedStops: a user that may not run CLIENT TRACKING makes
// the tracking stop (for retryRefused) at its first version read, with its
// reason logged once, and the near cache read versions from the store;
// before, every near hit dialed a tracking connection, which Redis
// refused, and nothing was logged.
func TestTrackingRefusedStops(t *testing.T) {
	s := startTLSServer(t)
	logs := &logLines{}
	client := redis.NewClient(s.options(t, "notrack", "s3cret", s.ca))
	t.Cleanup(func() { client.Close() })
	c := New(NewRedisStore(client), WithPrefix(testPrefix(t)), WithNearCache(NearCache{Tracked: true}), WithLogger(slog.New(logs)))
	t.Cleanup(func() { c.Close() })
	waitTracking(t, c) // the subscriber is allowed
	m := c.Method("BookRepository.GetBook", time.Minute, "books").Copy(copyBook)
	r := newRepo("Dune")
	ctx := context.Background()
	getBook(ctx, m, r, 1)
	settle(t, c)
	for range 100 {
		if b, err := getBook(ctx, m, r, 1); err != nil || b.Title != "Dune" {
			t.Fatalf("%+v, %v", b, err)
		}
	}
	st := c.NearStats()
	if r.loads.Load() != 1 || st.Hits != 100 {
		t.Fatalf("%d loads, %d near hits; want 1 and 100", r.loads.Load(), st.Hits)
	}
	if n := c.tracker.versionReads.Load(); n > 3 {
		t.Fatalf("100 near hits tried %d tracked version reads: a refused tracking must stop", n)
	}
	waitFor(t, "the refusal logged", func() bool { return logs.count("ERROR", "refusal=permission", "NOPERM") > 0 })
	if n := logs.count("ERROR", "refusal=permission"); n != 1 {
		t.Fatalf("logged %d times:\n%s", n, strings.Join(logs.all(), "\n"))
	}
}
