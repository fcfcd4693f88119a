package paramclash

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

type fake struct{ calls int }

func (f *fake) Doc(ctx context.Context, s string) (json.RawMessage, error) {
	f.calls++
	return json.RawMessage(`{"doc":"` + s + `"}`), nil
}

func (f *fake) Row(ctx context.Context, s string) (sql.NullString, error) {
	f.calls++
	return sql.NullString{String: s, Valid: true}, nil
}

func (f *fake) At(ctx context.Context, n int64) (time.Time, error) {
	f.calls++
	return time.Unix(n, 0).UTC(), nil
}

func (f *fake) Addr(ctx context.Context, s string, at time.Time) (netip.Addr, error) {
	f.calls++
	return netip.ParseAddr(s)
}

func (f *fake) Count(ctx context.Context, n int) (string, error) {
	f.calls++
	return strconv.Itoa(n), nil
}

func TestParametersNamedLikePackages(t *testing.T) {
	ctx := context.Background()
	f := &fake{}
	d := NewCachedDocs(f, cache.New(cache.NewMemoryStore()))
	for range 2 {
		if doc, _ := d.Doc(ctx, "a"); string(doc) != `{"doc":"a"}` {
			t.Fatalf("Doc: %s", doc)
		}
		if row, _ := d.Row(ctx, "r"); row.String != "r" {
			t.Fatalf("Row: %+v", row)
		}
		if at, _ := d.At(ctx, 60); at.Unix() != 60 {
			t.Fatalf("At: %v", at)
		}
		if a, _ := d.Addr(ctx, "10.0.0.1", time.Time{}); a.String() != "10.0.0.1" {
			t.Fatalf("Addr: %v", a)
		}
		if s, _ := d.Count(ctx, 7); s != "7" {
			t.Fatalf("Count: %q", s)
		}
	}
	if f.calls != 5 {
		t.Fatalf("%d repository calls over two rounds of 5 methods, want 5", f.calls)
	}
}
