package drivers

import (
	"context"
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// values is a result holding the drivers' types in the states a database
// cannot produce but code can: zero values, nil big.Ints, invalid values
// holding data.
type values struct {
	Dec     decimal.Decimal
	NullDec decimal.NullDecimal
	Decs    []decimal.Decimal
	Numeric pgtype.Numeric
	Tstz    pgtype.Timestamptz
}

// TestDriverValuesWithoutADatabase round-trips zero and edge values of the
// drivers' types through Redis hits and near hits (miniredis unless
// CACHEGEN_REDIS_URL is set): each is cached (but the one
// whose own JSON drops data), and each hit is reflect.DeepEqual to the value. (A pgtype.Numeric whose Int is nil comes
// back with a big.Int of 0: Numeric encodes itself, and is trusted; pgx
// never returns one so.)
func TestDriverValuesWithoutADatabase(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	cases := []values{
		{},
		{Dec: decimal.RequireFromString("0"), NullDec: decimal.NullDecimal{Valid: true}},
		{Dec: decimal.RequireFromString("-0.00"), Decs: []decimal.Decimal{{}, decimal.New(0, 0), decimal.RequireFromString("19.90"), decimal.New(1990, -2)}},
		{Numeric: pgtype.Numeric{Int: big.NewInt(0), Valid: true}, Tstz: pgtype.Timestamptz{Time: time.Time{}.In(berlin), Valid: true}},
	}
	// Its MarshalJSON writes null and drops Time: the sidecar finds the
	// decoded time a century away and the entry is a decode fault, so
	// every read goes to the repository.
	notCached := values{Tstz: pgtype.Timestamptz{Time: time.Date(1850, 1, 1, 0, 0, 0, 0, berlin), Valid: false}}
	cases = append(cases, notCached)
	plain, near := testCaches(t)
	for name, c := range map[string]*cache.Cache{"redis": plain, "near": near} {
		m := cache.Read[interface{ Get() }, values](c, "Values.Get", time.Minute, "values")
		for i, v := range cases {
			hits := 0
			for range 20 {
				ctx, rec := cache.Record(context.Background())
				k := m.Key()
				k.Int(int64(i))
				got, err := cache.Fetch(ctx, m, k, func(context.Context) (values, error) { return v, nil })
				if err != nil {
					t.Fatal(err)
				}
				if d := diff(reflect.ValueOf(got), reflect.ValueOf(v), ""); d != "" {
					t.Errorf("%s case %d (%v): %s", name, i, rec.Status(), d)
				}
				if rec.Status() == cache.StatusHit {
					hits++
				} else {
					time.Sleep(5 * time.Millisecond) // let the miss's store land
				}
			}
			switch {
			case reflect.DeepEqual(v, notCached) && hits > 0:
				t.Errorf("%s case %d: %d hits of a value whose JSON drops its time", name, i, hits)
			case !reflect.DeepEqual(v, notCached) && hits == 0:
				t.Errorf("%s case %d: never a hit", name, i)
			}
		}
	}
}
