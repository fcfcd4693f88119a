package cache

import (
	"context"
	"fmt"
	"reflect"
	"time"
)

// Method describes one annotated method of a cached interface: its name, the
// TTL of its entries and its namespaces. Generated constructors create one
// per annotated method with [Cache.Method].
//
// Method and its methods are called by generated code; not part of the user
// API.
type Method struct {
	c           *Cache
	name        string
	ttl         time.Duration
	namespaces  []string
	versionKeys []string
	keyPrefix   string // "<prefix>:{<home namespace>}:<name>[@<identity>]"
}

// Read returns the descriptor of the cached read method name ("Iface.Method")
// of interface I, whose results are cached as values of type T for ttl, in
// the namespaces (the first is the entries' home). Entry keys carry the
// identity of I's package and of T's shape, so entries of another package
// or of another version of T are never read. It panics as [Cache.Method]
// does; on a nil *Cache it returns nil.
//
// Called by generated code; not part of the user API.
func Read[I, T any](c *Cache, name string, ttl time.Duration, namespaces ...string) *Method {
	m := c.Method(name, ttl, namespaces...)
	if m != nil {
		m.keyPrefix += "@" + identity(reflect.TypeFor[I](), reflect.TypeFor[T]())
	}
	return m
}

// Write returns the descriptor of the write method name ("Iface.Method") of
// interface I, which invalidates the namespaces. On a nil *Cache it returns
// nil.
//
// Called by generated code; not part of the user API.
func Write[I any](c *Cache, name string, namespaces ...string) *Method {
	return c.Method(name, 0, namespaces...)
}

// Method returns the descriptor of the method called name ("Iface.Method"):
// a cached read when ttl is positive, whose entries live under the first
// namespace and are invalidated by all of them, or a write that invalidates
// the namespaces when ttl is zero. It panics on an invalid namespace, which
// cachegen rejects at generation time. On a nil *Cache it returns nil, and a
// nil *Method caches and invalidates nothing.
//
// Called by generated code; not part of the user API.
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
