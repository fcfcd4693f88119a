package cache

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// The kinds of refusal: a configuration to fix, which does not pass by
// itself.
const (
	refusedAuth = "credentials"
	refusedPerm = "permission"
	refusedTLS  = "tls"
)

// refusal returns the kind of err when it is Redis, or the TLS handshake
// with it, refusing the cache for a reason that does not pass by itself,
// and what to fix; "" for any other error.
func refusal(err error) (kind, fix string) {
	if err == nil {
		return "", ""
	}
	var re redis.Error
	if errors.As(err, &re) {
		msg := re.Error()
		switch {
		case strings.HasPrefix(msg, "WRONGPASS"), strings.HasPrefix(msg, "NOAUTH"), strings.HasPrefix(msg, "ERR AUTH"):
			return refusedAuth, "Redis refuses the user or password: check them (the URL's user:password, or Options.Username and Password)"
		case strings.HasPrefix(msg, "NOPERM"):
			return refusedPerm, "the Redis user may not run a command, or use a key or channel, that the cache needs: grant it (docs/guarantees.md, 6b, lists them)"
		}
		return "", ""
	}
	var (
		verify *tls.CertificateVerificationError
		header tls.RecordHeaderError
		alert  tls.AlertError
		unk    x509.UnknownAuthorityError
		host   x509.HostnameError
		inval  x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &unk), errors.As(err, &host), errors.As(err, &inval):
		return refusedTLS, "the Redis server's certificate is not trusted: check TLSConfig.RootCAs (the CA that signed it) and ServerName"
	case errors.As(err, &header):
		return refusedTLS, "the Redis port does not speak TLS: use redis:// (no TLSConfig), or the server's tls-port"
	case errors.As(err, &alert):
		return refusedTLS, "the Redis server refused the TLS handshake: check the client certificate (TLSConfig.Certificates) and the TLS versions"
	}
	return "", ""
}

// refused reports whether err is a refusal (see refusal).
func refused(err error) bool {
	kind, _ := refusal(err)
	return kind != ""
}

// refusedConn reports whether err is a refusal of the connection itself
// (credentials, TLS), which every command meets, unlike a missing
// permission, which only some commands meet.
func refusedConn(err error) bool {
	kind, _ := refusal(err)
	return kind == refusedAuth || kind == refusedTLS
}

// refusalLog logs each kind of refusal once per Cache, at level Error,
// with what to fix: the warnings about faults, limited to one line per
// interval, name the error but not the fix.
type refusalLog struct {
	mu     sync.Mutex
	logged map[string]bool // by kind, guarded by mu
}

// note logs err through c's logger if it is a refusal of a kind not yet
// logged.
func (l *refusalLog) note(ctx context.Context, c *Cache, err error) {
	kind, fix := refusal(err)
	if kind == "" {
		return
	}
	l.mu.Lock()
	seen := l.logged[kind]
	if !seen {
		if l.logged == nil {
			l.logged = map[string]bool{}
		}
		l.logged[kind] = true
	}
	l.mu.Unlock()
	if !seen {
		c.logger.ErrorContext(ctx, "cachegen: Redis refuses the cache: "+fix+"; until then, the calls it refuses go to the repository",
			"refusal", kind, "err", err)
	}
}
