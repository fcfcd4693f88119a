package cache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Method describes one annotated method of a cached interface: its name, the
// TTL of its entries and its namespaces. Generated constructors create one
// per annotated method with [Read] and [Write].
//
// Method and its methods are called by generated code; not part of the user
// API.
type Method struct {
	c          *Cache
	name       string
	ttl        time.Duration
	namespaces []string // as written: "books", "item:{id}"
	spaces     []space  // the namespaces, parsed
	templated  bool     // one of them is a template
	// versionKeys are the version keys of the namespaces when none is a
	// template; a templated method computes them per call.
	versionKeys []string
	nameID      string // "<name>[@<identity>]"
	keyPrefix   string // "<prefix>:{<home namespace>}:<nameID>", when the home namespace is not a template
	identity    string // of the interface's package and the result type; "" when made by hand

	notFound    []error       // errors whose outcome is cached, in annotation order
	notFoundTTL time.Duration // their entries' TTL

	refresh time.Duration // see Refresh; zero: entries are not refreshed early

	scoped bool // a copy for a repository scoped to a database transaction (see InTx)

	// copy is a func(T) T giving a deep copy of a result, set by Copy; nil
	// when cachegen could not write one for T.
	copy any

	// result is T of a method made by Read, and plan its sidecar plan, so
	// that a hit need not look the plan up (see planOf); result is nil for
	// a method made otherwise.
	result reflect.Type
	plan   *sidecarPlan
}

// space is one namespace of a method: a fixed name, or a template of a
// family whose members are named per call.
type space struct {
	name    string // the namespace, or the template's family
	members int    // how many values name a member of the template; 0 for a fixed namespace
	key     string // the version key of the namespace, or of the family
}

// memberVersionTTL is the TTL of a member's version key (at least the TTL
// of the method reading it). Members come and go with the entities they
// stand for: their version keys must not pile up forever. A version key that
// expires is re-created with a fresh random token, which only makes the
// member's entries miss once; it never brings an old entry back.
const memberVersionTTL = 24 * time.Hour

// Read returns the descriptor of the cached read method name ("Iface.Method")
// of interface I, whose results are cached as values of type T for ttl, in
// the namespaces (the first is the entries' home). A namespace may be a
// template, "item:{id}": see [Cache.Method]. Entry keys carry the identity of
// I's package and of T's shape, so entries of another package or of another
// version of T are never read. It panics as [Cache.Method] does; on a nil
// *Cache it returns nil.
//
// Called by generated code; not part of the user API.
func Read[I, T any](c *Cache, name string, ttl time.Duration, namespaces ...string) *Method {
	m := c.Method(name, ttl, namespaces...)
	if m != nil {
		m.result = reflect.TypeFor[T]()
		m.plan = planFor(m.result)
		m.identity = identity(reflect.TypeFor[I](), m.result)
		m.setNameID()
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
// the namespaces when ttl is zero.
//
// A namespace is a name ("books") or a template: a family name followed by
// one or more ":{...}" segments ("item:{id}", "item:{it.Tenant}:{it.ID}"),
// whose values the generated code writes into the [Key] of each call, after
// [Key.Member]. A member's entries are current only while both the family's
// and the member's versions are: invalidating "item" makes every member
// stale, invalidating a member only that member's entries.
//
// It panics on an invalid namespace, which cachegen rejects at generation
// time. On a nil *Cache it returns nil, and a nil *Method caches and
// invalidates nothing.
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
		sp, err := parseSpace(ns)
		if err != nil {
			panic(fmt.Sprintf("cache: method %s: invalid namespace: %v", name, err))
		}
		sp.key = c.versionKey(sp.name)
		m.spaces = append(m.spaces, sp)
		m.templated = m.templated || sp.members > 0
	}
	if !m.templated {
		for _, sp := range m.spaces {
			m.versionKeys = append(m.versionKeys, sp.key)
		}
	}
	m.setNameID()
	return m
}

// parseSpace parses a namespace as Method takes it.
func parseSpace(ns string) (space, error) {
	family, rest, isTemplate := strings.Cut(ns, ":{")
	if !isTemplate {
		return space{name: ns}, ValidateName(ns)
	}
	if err := ValidateName(family); err != nil {
		return space{}, err
	}
	sp := space{name: family}
	for rest = "{" + rest; rest != ""; {
		body, after, closed := strings.Cut(rest[1:], "}")
		if !closed || body == "" || strings.ContainsAny(body, "{") || after != "" && !strings.HasPrefix(after, ":{") {
			return space{}, fmt.Errorf("cache: namespace template %q: want family:{a}[:{b}...]", ns)
		}
		sp.members++
		if after == "" {
			break
		}
		rest = after[1:]
	}
	return sp, nil
}

// setNameID sets the name and identity that entry keys carry, and the key
// prefix of a method whose home namespace is not a template.
func (m *Method) setNameID() {
	m.nameID = m.name
	if m.identity != "" {
		id := m.identity
		if len(m.notFound) > 0 {
			// Not-found entries name their error by its index: a change of
			// the list is a change of identity.
			h := sha256.New()
			h.Write([]byte(id))
			for _, err := range m.notFound {
				fmt.Fprintf(h, "\n%T %q", err, err.Error())
			}
			id = hex.EncodeToString(h.Sum(nil))[:identityLen]
		}
		m.nameID += "@" + id
	}
	if home := m.spaces[0]; home.members == 0 {
		m.keyPrefix = m.c.prefix + ":{" + home.name + "}:" + m.nameID
	}
}

// NotFound makes the read m cache the outcome of the errors errs: when its
// load returns an error for which errors.Is(err, errs[i]), an entry of ttl
// (zero: the method's TTL) records it, and a hit returns the zero value with
// errs[i] itself as the error. An errs[i] made by [ErrorAs] stands for the
// errors of a type instead. Other errors are never cached. It returns m.
//
// Called by generated code; not part of the user API.
func (m *Method) NotFound(ttl time.Duration, errs ...error) *Method {
	if m == nil {
		return nil
	}
	m.notFound = errs
	m.notFoundTTL = ttl
	if ttl <= 0 {
		m.notFoundTTL = m.ttl
	}
	m.setNameID()
	return m
}

// Copy sets the function that gives a deep copy of a result of the read m:
// a func(T) T for m's result type T, sharing no mutable memory (slices,
// maps, pointers) with its argument. The near cache (see [WithNearCache])
// hands each caller such a copy of the value it holds; without one, it
// decodes the entry for each caller. It returns m.
//
// Called by generated code; not part of the user API.
func (m *Method) Copy(f any) *Method {
	if m != nil {
		m.copy = f
	}
	return m
}

// InTx returns a copy of m for a repository scoped to a database
// transaction, as a method of the interface returns one (WithTx(tx *sql.Tx)
// BookRepository): its reads bypass the cache, since they may see the
// transaction's uncommitted writes; its writes invalidate as m's do and,
// with a context from [BeginTx], again at [Tx.Commit].
//
// Called by generated code; not part of the user API.
func (m *Method) InTx() *Method {
	if m == nil {
		return nil
	}
	cp := *m
	cp.scoped = true
	return &cp
}

// recordTx records a write's invalidation in the Tx that ctx carries, to be
// delivered again at its commit. A write of a transaction-scoped repository
// without one gets a warning, once per Cache: its invalidation ran before
// the database commit.
func (m *Method) recordTx(ctx context.Context, names, labels []string, ttls []time.Duration) {
	if t := txFrom(ctx); t != nil {
		t.add(m.c, names, labels, ttls)
		return
	}
	if m.scoped {
		m.c.txWarning.Do(func() {
			m.c.logger.WarnContext(ctx, "cachegen: a write through a transaction-scoped repository without cache.BeginTx: it invalidated before the database commit, and other processes may cache data from before the transaction until the entries expire; pass the context of cache.BeginTx and call its Commit after the database commit",
				"method", m.name)
		})
	}
}

// notFoundIndex returns the index of the first error of m.notFound that err
// is, or -1.
func (m *Method) notFoundIndex(err error) int {
	for i, nf := range m.notFound {
		if t, ok := nf.(errorType); ok {
			if t.match(err) {
				return i
			}
		} else if errors.Is(err, nf) {
			return i
		}
	}
	return -1
}

// notFoundRecord returns what a not-found entry of the nf-th not-found
// error records of err, the load's error: nothing for an error variable.
func (m *Method) notFoundRecord(nf int, err error) []byte {
	if t, ok := m.notFound[nf].(errorType); ok {
		return t.record(err)
	}
	return nil
}

// recordsNotFound reports whether the entries of the nf-th not-found error
// record the load's error (an error type's value), or hold none (an error
// variable's).
func (m *Method) recordsNotFound(nf int) bool {
	_, ok := m.notFound[nf].(errorType)
	return ok
}

// notFoundErr returns the error of a hit on a not-found outcome of the
// nf-th not-found error with the record rec: the error variable itself, or
// an error rebuilt from rec.
func (m *Method) notFoundErr(nf int, rec []byte) error {
	if nf < 0 || nf >= len(m.notFound) {
		return nil
	}
	if t, ok := m.notFound[nf].(errorType); ok {
		return t.rebuild(rec)
	}
	return m.notFound[nf]
}

// Key returns a [Key] for the method's next call: holding the method's key
// prefix, ready for the arguments, or, for a method with a namespace
// template, empty, ready for the members' values (see [Key.Member]).
func (m *Method) Key() Key {
	if m == nil {
		return Key{}
	}
	if m.templated {
		return Key{buf: make([]byte, 0, 64), args: -1}
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
	if m.templated {
		// Without the members' values, a template stands for its family.
		return m.InvalidateKey(ctx, m.Key())
	}
	err := m.c.invalidate(ctx, m.name, m.namespaces, m.namespaces, m.versionKeys, nil)
	m.recordTx(ctx, m.namespaces, m.namespaces, nil)
	return err
}

// InvalidateKey is Invalidate for a write whose namespaces include
// templates: k holds the members' values (see [Key.Member]); a template
// whose member k does not name, or names with [Key.Family], is invalidated
// as a whole family.
func (m *Method) InvalidateKey(ctx context.Context, k Key) error {
	if m == nil {
		return nil
	}
	var names, labels, keys []string
	var ttls []time.Duration
	members := k.members()
	for i, sp := range m.spaces {
		name, key, ttl := sp.name, sp.key, time.Duration(0)
		if sp.members > 0 {
			if len(members) > 0 && !members[0].family {
				name = memberName(sp.name, members[0].value)
				key, ttl = m.c.versionKey(name), memberVersionTTL
			}
			if len(members) > 0 {
				members = members[1:]
			}
		}
		names, keys, ttls = append(names, name), append(keys, key), append(ttls, ttl)
		labels = append(labels, m.namespaces[i])
	}
	err := m.c.invalidate(ctx, m.name, names, labels, keys, ttls)
	m.recordTx(ctx, names, labels, ttls)
	return err
}

// call is what one call of a read with namespace templates works with: the
// namespaces' names for this call (families and members), their version
// keys in entry-header order, the TTL of each version key, and the entry
// key.
type call struct {
	names       []string
	versionKeys []string
	ttls        []time.Duration
	entryKey    string
}

// resolve returns the call of a read with namespace templates for the key
// k, or false when k does not name every member (a value could not be
// written): the call then bypasses the cache.
func (m *Method) resolve(k *Key) (call, bool) {
	members := k.members()
	n := len(m.spaces) + len(members)
	cl := call{names: make([]string, 0, n), versionKeys: make([]string, 0, n), ttls: make([]time.Duration, 0, n)}
	memberTTL := max(memberVersionTTL, m.ttl, m.notFoundTTL)
	var home string
	for i, sp := range m.spaces {
		cl.names = append(cl.names, sp.name)
		cl.versionKeys = append(cl.versionKeys, sp.key)
		cl.ttls = append(cl.ttls, 0)
		if sp.members == 0 {
			if i == 0 {
				home = sp.name
			}
			continue
		}
		if len(members) == 0 || members[0].family {
			return call{}, false
		}
		member := memberName(sp.name, members[0].value)
		members = members[1:]
		cl.names = append(cl.names, member)
		cl.versionKeys = append(cl.versionKeys, m.c.versionKey(member))
		cl.ttls = append(cl.ttls, memberTTL)
		if i == 0 {
			home = member
		}
	}
	args := k.argBytes()
	var b strings.Builder
	b.Grow(len(m.c.prefix) + len(home) + len(m.nameID) + len(args) + 6)
	b.WriteString(m.c.prefix)
	b.WriteString(":{")
	b.WriteString(home)
	b.WriteString("}:")
	b.WriteString(m.nameID)
	if len(args) > 0 {
		b.WriteByte(':')
		b.WriteString(hashLong(args, hashedPrefix))
	}
	cl.entryKey = b.String()
	return cl, true
}

// Member returns the namespace of one member of the family, as a namespace
// template names it: Member("item", 42) is "item:42", the namespace of the
// entries of item 42 under a template item:{id}. The values are written as
// in keys; a value of another type than a string, an integer, an unsigned
// integer, a float, a bool, a time.Time or a []byte panics. To invalidate
// one member by hand, use [Cache.InvalidateMember], which gives its version
// key a TTL and takes every value; [Cache.Invalidate] takes only members
// that are valid names (see [ValidateName]).
func Member(family string, values ...any) string {
	var k Key
	for _, v := range values {
		switch v := v.(type) {
		case string:
			k.String(v)
		case int:
			k.Int(int64(v))
		case int8:
			k.Int(int64(v))
		case int16:
			k.Int(int64(v))
		case int32:
			k.Int(int64(v))
		case int64:
			k.Int(v)
		case uint:
			k.Uint(uint64(v))
		case uint8:
			k.Uint(uint64(v))
		case uint16:
			k.Uint(uint64(v))
		case uint32:
			k.Uint(uint64(v))
		case uint64:
			k.Uint(v)
		case float32:
			k.Float(float64(v))
		case float64:
			k.Float(v)
		case bool:
			k.Bool(v)
		case time.Time:
			k.Time(v)
		case []byte:
			k.Bytes(v)
		default:
			panic(fmt.Sprintf("cache.Member: a value of type %T; pass it as the generated code writes it (a string, a number, a bool, a time.Time or a []byte)", v))
		}
	}
	return memberName(family, k.buf)
}

// memberName returns the namespace of the member of family that value (the
// encoded values of a template) names.
func memberName(family string, value []byte) string {
	return family + ":" + hashLong(value, hashedPrefix)
}

// InvalidateMember makes the entries of one member of the family stale, as
// a write annotated namespace=family:{...} does: InvalidateMember(ctx,
// "item", 42) for item:{id}. The values are those of [Member].
func (c *Cache) InvalidateMember(ctx context.Context, family string, values ...any) error {
	if c == nil {
		return nil
	}
	// The values are written by the key encoding, which escapes the
	// characters of hash tags; they may hold others a name may not (a
	// no-break space, a hashed value's '*'), as the generated code's do.
	if err := ValidateName(family); err != nil {
		return fmt.Errorf("cache: invalid family: %w", err)
	}
	name := Member(family, values...)
	ttls := []time.Duration{memberVersionTTL}
	err := c.invalidate(ctx, "", []string{name}, []string{family}, []string{c.versionKey(name)}, ttls)
	if t := txFrom(ctx); t != nil {
		t.add(c, []string{name}, []string{family}, ttls) // delivered again at its Commit
	}
	return err
}
