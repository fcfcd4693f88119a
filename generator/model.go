package generator

import (
	"go/token"
	"go/types"
	"time"
)

// File is one generated file: the cached wrappers of one interface.
type File struct {
	Path      string     // where the file is written
	PkgPath   string     // import path of the package it belongs to
	PkgName   string     // name of that package
	Interface *Interface // the interface it wraps
	Names     []string   // package-level names of the package and of every file cachegen generates in it
	// Constraint is the build constraint of the file declaring the
	// interface (its //go:build line and the GOOS and GOARCH of its name),
	// as a //go:build expression; "" for none.
	Constraint string
}

// Interface is an annotated interface and its methods in declaration order
// (methods of embedded interfaces follow, by name).
type Interface struct {
	Name    string
	Methods []*Method
	Copiers []*Copier // the copy functions its file declares, in the order its reads first need them
}

// MethodKind says what the wrapper does with a method.
type MethodKind int

// The kinds of method.
const (
	PassThrough MethodKind = iota // not annotated: calls the wrapped method
	Read                          // //cache:expire=...: cached with Fetch
	Write                         // //cache:invalidate: invalidates after the call
	Rewrap                        // not annotated, returns the interface (and an error): wraps what it returns
	TxScoped                      // as Rewrap, for a repository scoped to a database transaction
	Batch                         // //cache:... batch: each element cached with FetchSlice or FetchMap (see BatchRead)
)

// Method is one method of an interface as the wrapper implements it.
type Method struct {
	Name        string
	Kind        MethodKind
	Params      []*Param
	Results     []types.Type // every result, the error included
	HasError    bool         // the last result is error
	Variadic    bool         // the last parameter is variadic
	CtxParam    int          // index of the leading context.Context, or -1
	TTL         time.Duration
	Namespaces  []string      // as written (books, item:{id}); for Read, the home namespace first
	Members     [][]*KeyPart  // per namespace: nil, or the values of a template's members
	ResultType  string        // for a Read of several values: the package-level struct type holding them
	Key         []*KeyPart    // for Read: what makes the key, in parameter order
	NotFound    []*ErrorVar   // for Read: errors whose outcome is cached (notfound=)
	NotFoundTTL time.Duration // for Read: their TTL; zero means the method's
	Refresh     time.Duration // for Read: refresh=, the window before expiry of early refresh; zero when off
	ResultNames []string      // the names of the results, "" when unnamed
	Copy        *Copier       // for Read: the deep copy of its cached type; nil when cachegen cannot write one
	Batch       *BatchRead    // for Batch: its ids and elements
}

// ErrorVar is a package-level error variable, as notfound= names it
// (matched with errors.Is); or, with Type, an error type (notfound=*NotFoundError,
// matched with errors.As).
type ErrorVar struct {
	PkgPath string
	PkgName string
	Name    string
	Type    bool // Name is a type
	Pointer bool // with Type: the error is a *Name
}

// Templated reports whether one of m's namespaces is a template.
func (m *Method) Templated() bool {
	for _, ms := range m.Members {
		if ms != nil {
			return true
		}
	}
	return false
}

// UsesResults reports whether a template of the write m names one of its
// results.
func (m *Method) UsesResults() bool {
	for _, ms := range m.Members {
		for _, part := range ms {
			if part.Path.Result {
				return true
			}
		}
	}
	return false
}

// Values returns how many results m returns besides an error.
func (m *Method) Values() int {
	if m.HasError {
		return len(m.Results) - 1
	}
	return len(m.Results)
}

// Param is one parameter of a method.
type Param struct {
	Name string     // the name in the interface, may be "" or "_"
	Type types.Type // for a variadic parameter, the slice type
}

// KeyPart is one value written into a read's key: a parameter, or a field
// reached from one (key=f.Email).
type KeyPart struct {
	Path *ValuePath
	Enc  *KeyEnc
}

// ValuePath is a parameter or a field path of it, as key=q.Filter.Page
// names it: the parameter's index and the fields selected in turn. A
// namespace member's path ends with a [PathField] dereferencing each
// pointer its value is reached through: a member is written as its pointee.
type ValuePath struct {
	Text   string      // as written: "q.Filter.Page"; the parameter's name for a whole parameter
	Param  int         // index in Method.Params, or in Method.Results when Result is set
	Result bool        // the path starts at a named result (writes' namespace templates)
	Fields []PathField // none for the parameter itself
	Type   types.Type  // the type of the value at the end of the path
}

// PathField is one field selected on a [ValuePath]; or, with Call, a getter
// called (t.UUID()); or, with Deref, the pointer before it dereferenced
// (*v); or, with Check, a nil check of it.
type PathField struct {
	Name     string // "" with Deref and Check
	NilCheck bool   // the value it is selected from (or dereferences, or checks) is a pointer: nil makes the path unusable
	Elided   bool   // an embedded field that generated code cannot name (unexported, in another package) and selects through implicitly
	Call     bool   // not a field: a call of the getter Name, a method without parameters and with one result (NilCheck: on a pointer or an interface)
	Deref    bool   // not a field: the value so far is a pointer, read through
	Check    bool   // not a field: the value so far is a pointer written by its own MarshalText (*big.Int), only checked for nil
}

// KeyEncKind is the way one value is written into a cache key.
type KeyEncKind int

// The ways a value is written into a key; each calls the cache.Key method
// of the same name, or combines others.
const (
	KeyString   KeyEncKind = iota // k.String(string(v))
	KeyInt                        // k.Int(int64(v))
	KeyUint                       // k.Uint(uint64(v))
	KeyFloat                      // k.Float(float64(v))
	KeyComplex                    // k.Complex(complex128(v))
	KeyBool                       // k.Bool(bool(v))
	KeyTime                       // k.Time(v)
	KeyBytes                      // k.Bytes([]byte(v))
	KeyStringer                   // nil or k.String(v.String())
	KeyText                       // nil or k.Text(v), for an encoding.TextMarshaler
	KeyPointer                    // nil or k.Ref() then *v
	KeySlice                      // nil or [elems]
	KeyArray                      // [elems]
	KeyMap                        // nil or [(key,value)...] sorted by key
	KeyStruct                     // (fields)
)

// KeyEnc is the plan for writing a value of Type into a key.
type KeyEnc struct {
	Kind   KeyEncKind
	Type   types.Type
	Elem   *KeyEnc       // pointers, slices, arrays and map values
	MapKey *KeyEnc       // maps
	Fields []StructField // structs
	// Checked says that the code writing a KeyText pointer checked it for
	// nil (a namespace member's, see [PathField].Check): no ~ for nil.
	Checked bool
}

// StructField is one field of a struct written into a key.
type StructField struct {
	Name string
	Enc  *KeyEnc
}

// WrapperNames returns the names cachegen declares for the interface
// named iface: the wrapper type and its constructor, CachedBookRepository
// and NewCachedBookRepository; for an unexported interface, unexported
// ones, cachedBookRepository and newCachedBookRepository.
func WrapperNames(iface string) (wrapper, constructor string) {
	if token.IsExported(iface) {
		return "Cached" + iface, "NewCached" + iface
	}
	return "cached" + upperFirst(iface), "newCached" + upperFirst(iface)
}

// CopyKind is the way a deep copy of a value is made.
type CopyKind int

// The ways a value is copied. Every kind but CopyValue has a function of its
// own in the generated file; a CopyValue is copied by assignment.
const (
	CopyValue   CopyKind = iota // out := in: nothing mutable is reachable (numbers, strings, time.Time, netip addresses, structs and arrays of these)
	CopyPointer                 // nil, or a new variable holding a copy of *in
	CopySlice                   // nil, or a new slice of the same length holding copies of the elements
	CopyMap                     // nil, or a new map holding copies of the values under the same keys
	CopyArray                   // a copy of each element
	CopyStruct                  // out := in, then a copy of each field that needs one
	CopyBig                     // var out T; out.<Method>(&in): math/big's Int and Rat (Set), Float (Copy)
)

// Copier is the plan for making a deep copy of a value of Type, sharing no
// mutable memory with it. The plans of one file form a graph: a recursive
// type's plan reaches itself.
type Copier struct {
	Kind   CopyKind
	Type   types.Type
	Func   string      // the generated function copying a Type; "" for a CopyValue that no read caches
	Elem   *Copier     // pointers, slices, arrays and map values
	Fields []CopyField // structs: the fields that need a copy of their own, in declaration order
	Method string      // CopyBig: the method of *Type setting a value from another
}

// CopyField is one field of a struct that a copy replaces with a copy of
// its own.
type CopyField struct {
	Name string
	Copy *Copier
}
