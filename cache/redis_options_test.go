package cache

import (
	"testing"
	"time"
)

func TestParseRedisURL(t *testing.T) {
	opt, err := ParseRedisURL("redis://user:pw@10.1.2.3:6380/2?read_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	if opt.Addr != "10.1.2.3:6380" || opt.DB != 2 || opt.Password != "pw" {
		t.Fatalf("URL fields lost: %+v", opt)
	}
	if opt.ReadTimeout != 2*time.Second {
		t.Fatalf("ReadTimeout %v: the URL's value must win", opt.ReadTimeout)
	}
	if opt.WriteTimeout != 100*time.Millisecond || opt.MaxRetries != -1 || opt.DialerRetries != 1 || opt.DialerRetryTimeout != time.Millisecond || !opt.ContextTimeoutEnabled || opt.MaintNotificationsConfig == nil {
		t.Fatalf("cache defaults not applied: %+v", opt)
	}
	if opt, err := ParseRedisURL("rediss://h:1"); err != nil || opt.TLSConfig == nil {
		t.Fatalf("rediss: %v, TLS %v", err, opt.TLSConfig)
	}
	if _, err := ParseRedisURL("http://x"); err == nil {
		t.Fatal("http:// accepted")
	}
}
