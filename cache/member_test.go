package cache

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestInvalidateMemberOfAnyValue invalidates by hand members whose values
// the key encoding keeps as they are (a no-break space, U+0085) or hashes
// (over 1 KiB): every value a generated read caches under must be
// invalidable, or the write's entries stay.
func TestInvalidateMemberOfAnyValue(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			c := New(sc.store(t), WithPrefix(testPrefix(t)))
			ctx := context.Background()
			get := c.Method("Items.ByName", time.Minute, "item:{name}")
			for _, v := range []any{"a\u00a0b", "a\u0085b", strings.Repeat("long", 300), []byte(strings.Repeat("b", 600))} {
				value := "v1"
				read := func() string {
					k := get.Key()
					k.Member()
					switch v := v.(type) {
					case string:
						k.String(v)
					case []byte:
						k.Bytes(v)
					}
					k.Args()
					got, err := Fetch(ctx, get, k, func(context.Context) (string, error) { return value, nil })
					if err != nil {
						t.Fatal(err)
					}
					return got
				}
				read()
				value = "v2"
				if err := c.InvalidateMember(ctx, "item", v); err != nil {
					t.Errorf("InvalidateMember(%.10q...): %v", v, err)
				}
				if got := read(); got != "v2" {
					t.Errorf("member %.10q...: read %q after InvalidateMember, want v2", v, got)
				}
			}
		})
	}
}
