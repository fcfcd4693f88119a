package cache

import (
	"context"
	"fmt"
	"time"
)

// Method describes one annotated method of a cached interface: its name, the
// TTL of its entries and its namespaces. Generated constructors create one
// per annotated method with [Cache.Method].
type Method struct {
	c           *Cache
	name        string
	ttl         time.Duration
	namespaces  []string
	versionKeys []string
	keyPrefix   string // "<prefix>:{<home namespace>}:<name>"
}

// Method returns the descriptor of the method called name ("Iface.Method"):
// a cached read when ttl is positive, whose entries live under the first
// namespace and are invalidated by all of them, or a write that invalidates
// the namespaces when ttl is zero. It panics on an invalid namespace, which
// cachegen rejects at generation time. On a nil *Cache it returns nil, and a
// nil *Method caches and invalidates nothing.
func (c *Cache) Method(name string, ttl time.Duration, namespaces ...string) *Method {
	if c == nil {
		return nil
	}
	if len(namespaces) == 0 {
		panic(fmt.Sprintf("cache: method %s has no namespace", name))
	}
	m := &Method{c: c, name: name, ttl: ttl, namespaces: namespaces}
	for _, ns := range namespaces {
		if err := ValidateName(ns); err != nil {
			panic(fmt.Sprintf("cache: method %s: invalid namespace: %v", name, err))
		}
		m.versionKeys = append(m.versionKeys, c.versionKey(ns))
	}
	m.keyPrefix = c.prefix + ":{" + namespaces[0] + "}:" + name
	return m
}

// Name returns the method's name, "Iface.Method".
func (m *Method) Name() string { return m.name }

// Key returns a [Key] holding the method's key prefix, ready for the
// arguments.
func (m *Method) Key() Key {
	if m == nil {
		return Key{}
	}
	buf := make([]byte, len(m.keyPrefix), len(m.keyPrefix)+32)
	copy(buf, m.keyPrefix)
	return Key{buf: buf, sep: true, args: len(buf)}
}

// Invalidate makes every entry of the method's namespaces stale. Generated
// write methods call it after the wrapped call returns, even when ctx has
// been cancelled meanwhile (the write may have committed): ctx's values are
// kept, its cancellation is not. A failure is reported to the observer and
// the logger, and returned.
func (m *Method) Invalidate(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.c.invalidate(context.WithoutCancel(ctx), m.name, m.namespaces, m.versionKeys)
}
