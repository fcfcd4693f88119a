package cache

import (
	"context"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// Two interfaces of the same name in different packages: the identity only
// looks at the package path, so any interface of another package stands for
// "package admin" here.
type (
	publicRepo interface{ GetUser() }
	adminRepo  = fmt.Stringer
)

type publicUser struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type adminUser struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// fetchAs is what a generated wrapper does for GetUser(ctx, id), for any
// result type.
func fetchAs[T any](ctx context.Context, m *Method, id int64, load func() T, loads *int) (T, error) {
	k := m.Key()
	k.Int(id)
	return Fetch(ctx, m, k, func(context.Context) (T, error) { *loads++; return load(), nil })
}

func TestIdentitySeparatesPackages(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			c := New(sc.store(t), WithPrefix(testPrefix(t)))
			pub := Read[publicRepo, publicUser](c, "Repository.GetUser", time.Minute, "users")
			adm := Read[adminRepo, adminUser](c, "Repository.GetUser", time.Minute, "users")
			var pubLoads, admLoads int
			secret := adminUser{ID: 1, Name: "root", Password: "hunter2"}
			if _, err := fetchAs(ctx, adm, 1, func() adminUser { return secret }, &admLoads); err != nil {
				t.Fatal(err)
			}
			got, err := fetchAs(ctx, pub, 1, func() publicUser { return publicUser{ID: 1, Name: "Ann"} }, &pubLoads)
			if err != nil || got != (publicUser{ID: 1, Name: "Ann"}) || pubLoads != 1 {
				t.Fatalf("public read after admin's: %+v, %v, %d loads: it read the other package's entry", got, err, pubLoads)
			}
			// Each still hits its own entry.
			a, _ := fetchAs(ctx, adm, 1, func() adminUser { return adminUser{} }, &admLoads)
			p, _ := fetchAs(ctx, pub, 1, func() publicUser { return publicUser{} }, &pubLoads)
			if a != secret || p.Name != "Ann" || admLoads != 1 || pubLoads != 1 {
				t.Fatalf("second reads: %+v (%d loads), %+v (%d loads)", a, admLoads, p, pubLoads)
			}
		})
	}
}

// TestIdentityConcurrentFirstReads starts both packages' first reads of the
// same arguments together, many times: no caller may get the other
// package's value, and none may panic joining the other's load.
func TestIdentityConcurrentFirstReads(t *testing.T) {
	ctx := context.Background()
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)))
	pub := Read[publicRepo, publicUser](c, "Repository.GetUser", time.Minute, "users")
	adm := Read[adminRepo, adminUser](c, "Repository.GetUser", time.Minute, "users")
	for id := range int64(200) {
		var wg sync.WaitGroup
		errs := make(chan string, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var loads int
				if i%2 == 0 {
					u, err := fetchAs(ctx, pub, id, func() publicUser { time.Sleep(time.Millisecond); return publicUser{ID: id, Name: "pub"} }, &loads)
					if err != nil || u.Name != "pub" {
						errs <- fmt.Sprintf("public got %+v, %v", u, err)
					}
					return
				}
				u, err := fetchAs(ctx, adm, id, func() adminUser { time.Sleep(time.Millisecond); return adminUser{ID: id, Name: "adm"} }, &loads)
				if err != nil || u.Name != "adm" {
					errs <- fmt.Sprintf("admin got %+v, %v", u, err)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for e := range errs {
			t.Fatal(e)
		}
	}
}

// Versions of one result type across deploys.
type (
	bookV1 struct {
		ID    int64
		Title string
	}
	bookAdded struct {
		ID         int64
		Title      string
		PriceCents int64
	}
	bookRenamed struct {
		ID    int64
		Title string `json:"name"`
	}
	bookRetyped struct {
		ID    string
		Title string
	}
	bookOmitEmpty struct {
		ID    int64
		Title string `json:",omitempty"`
	}
)

type shapeRepo interface{ GetBook() }

func TestIdentitySeparatesShapes(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			store := sc.store(t)
			prefix := testPrefix(t)
			// Each deploy has a Cache of its own over the same store, as
			// two processes of a rolling deploy do.
			deploy := func() *Cache { return New(store, WithPrefix(prefix)) }
			v1 := Read[shapeRepo, bookV1](deploy(), "BookRepository.GetBook", time.Minute, "books")
			others := map[string]func(id int64) (any, int){
				"field added": func(id int64) (any, int) {
					m := Read[shapeRepo, bookAdded](deploy(), "BookRepository.GetBook", time.Minute, "books")
					var n int
					b, _ := fetchAs(ctx, m, id, func() bookAdded { return bookAdded{id, "new", 1500} }, &n)
					return b, n
				},
				"JSON name changed": func(id int64) (any, int) {
					m := Read[shapeRepo, bookRenamed](deploy(), "BookRepository.GetBook", time.Minute, "books")
					var n int
					b, _ := fetchAs(ctx, m, id, func() bookRenamed { return bookRenamed{id, "new"} }, &n)
					return b, n
				},
				"type changed": func(id int64) (any, int) {
					m := Read[shapeRepo, bookRetyped](deploy(), "BookRepository.GetBook", time.Minute, "books")
					var n int
					b, _ := fetchAs(ctx, m, id, func() bookRetyped { return bookRetyped{"x", "new"} }, &n)
					return b, n
				},
				"tag changed": func(id int64) (any, int) {
					m := Read[shapeRepo, bookOmitEmpty](deploy(), "BookRepository.GetBook", time.Minute, "books")
					var n int
					b, _ := fetchAs(ctx, m, id, func() bookOmitEmpty { return bookOmitEmpty{id, "new"} }, &n)
					return b, n
				},
			}
			id := int64(0)
			for name, other := range others {
				id++
				// Old deploy first, then the new one: the new one misses.
				var n1 int
				fetchAs(ctx, v1, id, func() bookV1 { return bookV1{id, "old"} }, &n1)
				if got, n := other(id); n != 1 {
					t.Errorf("%s: the new shape read the old entry: %+v", name, got)
				}
				// And back: the old deploy still hits its own entry, and a
				// new entry of the old deploy is a miss for the new one.
				if b, _ := fetchAs(ctx, v1, id, func() bookV1 { return bookV1{} }, &n1); n1 != 1 || b.Title != "old" {
					t.Errorf("%s: old deploy after the new one: %+v, %d loads", name, b, n1)
				}
				id++
				fetchAs(ctx, v1, id, func() bookV1 { return bookV1{id, "old"} }, &n1)
				other(id) // the new deploy stores first here...
				var n2 int
				if b, _ := fetchAs(ctx, v1, id, func() bookV1 { return bookV1{} }, &n2); n2 != 0 || b.Title != "old" {
					t.Errorf("%s: the new deploy's entry replaced the old one's: %+v, %d loads", name, b, n2)
				}
			}
			// Invalidation reaches both shapes.
			w := Write[shapeRepo](deploy(), "BookRepository.UpdateBook", "books")
			if err := w.Invalidate(ctx); err != nil {
				t.Fatal(err)
			}
			var n int
			fetchAs(ctx, v1, 1, func() bookV1 { return bookV1{1, "after"} }, &n)
			if _, n2 := others["field added"](1); n != 1 || n2 != 1 {
				t.Errorf("after an invalidation: old shape %d loads, new shape %d loads; want 1 and 1", n, n2)
			}
		})
	}
}

func TestIdentityStableAndDistinct(t *testing.T) {
	type a struct {
		ID   int64
		Next *a
	}
	type b struct {
		ID   int64
		Next *b
	}
	pub, adm := reflect.TypeFor[publicRepo](), reflect.TypeFor[adminRepo]()
	first := identity(pub, reflect.TypeFor[a]())
	if again := identity(pub, reflect.TypeFor[a]()); again != first {
		t.Fatal("identity is not deterministic")
	}
	if identity(pub, reflect.TypeFor[a]()) != identity(pub, reflect.TypeFor[b]()) {
		t.Fatal("two types of the same shape (recursive) differ")
	}
	if identity(pub, reflect.TypeFor[a]()) == identity(adm, reflect.TypeFor[a]()) {
		t.Fatal("two packages share an identity")
	}
	seen := map[string]string{}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[bookV1](), reflect.TypeFor[bookAdded](), reflect.TypeFor[bookRenamed](),
		reflect.TypeFor[bookRetyped](), reflect.TypeFor[bookOmitEmpty](), reflect.TypeFor[*bookV1](),
		reflect.TypeFor[[]bookV1](), reflect.TypeFor[map[string]bookV1](), reflect.TypeFor[[2]bookV1](),
		reflect.TypeFor[time.Time](), reflect.TypeFor[*time.Time](), reflect.TypeFor[big.Int](),
		reflect.TypeFor[int32](), reflect.TypeFor[int64](), reflect.TypeFor[string](),
	} {
		id := identity(pub, typ)
		if len(id) != identityLen || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("%v: identity %q is not %d hex digits", typ, id, identityLen)
		}
		if prev, ok := seen[id]; ok {
			t.Fatalf("%v and %s share the identity %s", typ, prev, id)
		}
		seen[id] = typ.String()
	}
}

type account struct {
	Name    string
	Balance big.Int // MarshalJSON has a pointer receiver
	History []big.Int
}

type accountRepo interface{ GetAccount() }

// TestPointerReceiverMarshalers: a value whose MarshalJSON has a pointer
// receiver is encoded by that method, not as {} by reflection.
func TestPointerReceiverMarshalers(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			var log eventLog
			c := New(sc.store(t), WithPrefix(testPrefix(t)), WithObserver(log.observe))
			m := Read[accountRepo, account](c, "AccountRepository.GetAccount", time.Minute, "accounts")
			load := func() account {
				a := account{Name: "ann", History: make([]big.Int, 2)}
				a.Balance.SetString("123456789012345678901234567890", 10)
				a.History[1].SetInt64(-5)
				return a
			}
			var loads int
			for range 3 {
				a, err := fetchAs(ctx, m, 1, load, &loads)
				if err != nil {
					t.Fatal(err)
				}
				if a.Balance.String() != "123456789012345678901234567890" || a.History[1].Int64() != -5 {
					t.Fatalf("balance %s, history %v", a.Balance.String(), a.History)
				}
			}
			if loads != 1 || log.n(EventError) != 0 {
				t.Fatalf("%d loads, %d faults; want 1 load (then hits) and no fault", loads, log.n(EventError))
			}
		})
	}
}

type note struct{ Text string }

type noteRepo interface{ GetNote() }

// TestInvalidUTF8IsNotStored: JSON would replace the bytes of a string that
// is not valid UTF-8, so such a value is returned as it is and not stored.
func TestInvalidUTF8IsNotStored(t *testing.T) {
	for _, codec := range []Codec{JSON, StdJSON} {
		ctx := context.Background()
		var log eventLog
		c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithObserver(log.observe), WithCodec(codec))
		m := Read[noteRepo, note](c, "NoteRepository.GetNote", time.Minute, "notes")
		var loads int
		for i := range 2 {
			n, err := fetchAs(ctx, m, 1, func() note { return note{Text: "caf\xe9"} }, &loads)
			if err != nil || n.Text != "caf\xe9" {
				t.Fatalf("%T call %d: %q, %v", codec, i, n.Text, err)
			}
		}
		if loads != 2 || log.n(EventError) != 2 {
			t.Fatalf("%T: %d loads and %d faults, want 2 and 2: the lossy value was cached", codec, loads, log.n(EventError))
		}
		// Valid strings, U+FFFD itself and a literal backslash-u are cached.
		m2 := Read[noteRepo, note](c, "NoteRepository.GetOther", time.Minute, "notes")
		loads = 0
		for range 2 {
			n, _ := fetchAs(ctx, m2, 1, func() note { return note{Text: "\ufffd \\ufffd é"} }, &loads)
			if n.Text != "\ufffd \\ufffd é" {
				t.Fatalf("%T: %q", codec, n.Text)
			}
		}
		if loads != 1 {
			t.Fatalf("%T: a valid string was not cached (%d loads)", codec, loads)
		}
	}
}

// TestFlightOfAnotherType: descriptors made without an identity (by hand,
// with Cache.Method) can share keys across types; a caller joining a load
// whose value has another type must get its own value, never a panic.
func TestFlightOfAnotherType(t *testing.T) {
	ctx := context.Background()
	var log eventLog
	c := New(NewMemoryStore(), WithPrefix(testPrefix(t)), WithObserver(log.observe))
	mp := c.Method("Repository.GetUser", time.Minute, "users")
	ma := c.Method("Repository.GetUser", time.Minute, "users")
	started := make(chan struct{})
	release := make(chan struct{})
	done := make(chan publicUser)
	go func() {
		var n int
		u, _ := fetchAs(ctx, mp, 1, func() publicUser { close(started); <-release; return publicUser{ID: 1, Name: "pub"} }, &n)
		done <- u
	}()
	<-started
	errs := make(chan any, 1)
	got := make(chan adminUser, 1)
	go func() {
		defer func() { errs <- recover() }()
		var n int
		u, _ := fetchAs(ctx, ma, 1, func() adminUser { return adminUser{ID: 1, Name: "adm", Password: "p"} }, &n)
		got <- u
	}()
	time.Sleep(20 * time.Millisecond) // let the second caller join the first's load
	close(release)
	if u := <-done; u.Name != "pub" {
		t.Fatalf("first caller got %+v", u)
	}
	if p := <-errs; p != nil {
		t.Fatalf("the caller joining a load of another type panicked: %v", p)
	}
	if u := <-got; u.Name != "adm" {
		t.Fatalf("second caller got %+v, want its own repository's value", u)
	}
}
