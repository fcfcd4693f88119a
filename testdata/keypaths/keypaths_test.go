package keypaths

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type fake struct{ calls map[string]int }

func (f *fake) FindByEmail(ctx context.Context, flt *Filter) (User, error) {
	f.calls["FindByEmail"]++
	if flt == nil {
		return User{}, nil
	}
	return User{Email: flt.Email}, nil
}

func (f *fake) List(ctx context.Context, q Query) ([]User, error) {
	f.calls["List"]++
	return []User{{ID: int64(q.Page)}}, nil
}

func (f *fake) Deep(ctx context.Context, region string, q *Query) ([]User, error) {
	f.calls["Deep"]++
	return []User{{ID: 1}}, nil
}

// events records the observer's events.
type events struct {
	mu   sync.Mutex
	list []cache.Event
}

func (e *events) observe(_ context.Context, ev cache.Event) {
	e.mu.Lock()
	e.list = append(e.list, ev)
	e.mu.Unlock()
}

func (e *events) last() cache.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	ev := e.list[len(e.list)-1]
	ev.Key = identity.ReplaceAllString(ev.Key, "")
	return ev
}

// identity matches the entry identity that keys carry after the method
// name, which these tests leave out.
var identity = regexp.MustCompile(`@[0-9a-f]{12}`)

func TestFieldPathKeys(t *testing.T) {
	ctx := context.Background()
	var ev events
	f := &fake{calls: map[string]int{}}
	u := NewCachedUsers(f, cache.New(cache.NewMemoryStore(), cache.WithPrefix("kp"), cache.WithObserver(ev.observe)))

	// Only Email makes the key.
	u.FindByEmail(ctx, &Filter{Email: "a@x", Trace: "1"})
	u.FindByEmail(ctx, &Filter{Email: "a@x", Trace: "2"})
	if f.calls["FindByEmail"] != 1 {
		t.Fatalf("FindByEmail: %d repository calls, want 1", f.calls["FindByEmail"])
	}
	if k := ev.last().Key; k != "kp:{users}:Users.FindByEmail:a@x" {
		t.Fatalf("FindByEmail key %q", k)
	}
	u.FindByEmail(ctx, &Filter{Email: "b@x"})
	if f.calls["FindByEmail"] != 2 {
		t.Fatalf("another Email: %d repository calls, want 2", f.calls["FindByEmail"])
	}

	// A field reached through an embedded pointer.
	q := Query{Tenant: &Tenant{TenantID: "acme"}, Page: 2, debug: true}
	u.List(ctx, q)
	q.debug = false
	u.List(ctx, q)
	if f.calls["List"] != 1 || ev.last().Key != "kp:{users}:Users.List:acme:2" {
		t.Fatalf("List: %d repository calls (want 1), key %q", f.calls["List"], ev.last().Key)
	}
	u.Deep(ctx, "eu", &Query{Page: 3, Opts: &Options{Limit: 10}})
	if k := ev.last().Key; k != "kp:{users}:Users.Deep:eu:10:3" {
		t.Fatalf("Deep key %q: want the parameter's position, then key='s order within it", k)
	}
}

func TestNilOnThePathBypasses(t *testing.T) {
	ctx, rec := cache.Record(context.Background())
	var ev events
	f := &fake{calls: map[string]int{}}
	u := NewCachedUsers(f, cache.New(cache.NewMemoryStore(), cache.WithObserver(ev.observe)))
	for range 2 {
		u.FindByEmail(ctx, nil)
		u.List(ctx, Query{Page: 1}) // nil *Tenant
		u.Deep(ctx, "eu", nil)
		u.Deep(ctx, "eu", &Query{Page: 1}) // nil Opts
	}
	if f.calls["FindByEmail"] != 2 || f.calls["List"] != 2 || f.calls["Deep"] != 4 {
		t.Fatalf("calls with nil on the key path were cached: %v", f.calls)
	}
	if rec.Status() != cache.StatusBypass {
		t.Fatalf("status %v, want bypass", rec.Status())
	}
	for _, e := range ev.list {
		if e.Kind != cache.EventBypass || !strings.HasPrefix(e.Method, "Users.") {
			t.Fatalf("event %+v, want only bypasses", e)
		}
	}
	if len(ev.list) != 8 {
		t.Fatalf("%d events, want 8 bypasses", len(ev.list))
	}
}
