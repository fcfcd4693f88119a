package drivers

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// pgRows are the rows of the PostgreSQL table: typical values, NULLs, the
// zero time (simplebank's default), dates before 1900 and after 2262 (in
// Local, offsets of LMT that are not whole minutes), infinities and NaN.
var pgRows = []string{
	`(1, '2024-03-31 01:59:59.123456+00', '2024-07-01 12:00:00.5+02', '2024-01-02 03:04:05.678901', '2024-02-29',
	  '1 year 2 mons 3 days 04:05:06.789', '123.00', 'héllo <&>', 42, -9000000000000000, 3.14159, true,
	  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"b": [1, 2], "a": "x"}', '\x00ff', '19.90')`,
	`(2, '0001-01-01 00:00:00Z', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	`(3, '1850-06-01 12:00:00+00', '2300-06-01 00:00:00+00', '1850-01-01 00:00:00', '1850-01-01', '-1 day',
	  'NaN', '', 0, 0, 0, false, '00000000-0000-0000-0000-000000000000', '[]', '', '0')`,
	`(4, '1893-03-31 23:59:59+00', 'infinity', '-infinity', 'infinity', '0', '-0.000123', 'x', -1, 1, -0.5, true,
	  NULL, 'null', NULL, '-0.000123')`,
	`(5, '2262-04-12 00:00:00+00', '-infinity', 'infinity', '-infinity', '00:00:00.000001', 'Infinity', NULL, NULL, NULL,
	  1e300, NULL, NULL, '{"a": {"deep": [true, null, 1.5e10]}}', NULL, '1e20')`,
	`(6, '9999-12-30 23:59:59.999999+00', '1900-01-01 00:00:00+00', '2300-01-01 00:00:00.000001', '0001-01-01', NULL,
	  '-Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '100000000000000000000.000000000001')`,
	`(7, now(), now(), now()::timestamp, now()::date, '0', '0', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0.00')`,
	`(8, now(), NULL, NULL, NULL, NULL, '0.00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '0')`,
}

func TestPostgresHitsEqualUncached(t *testing.T) {
	url := os.Getenv("CACHEGEN_POSTGRES_URL")
	if url == "" {
		t.Skip("CACHEGEN_POSTGRES_URL is not set: the PostgreSQL tests skip (CACHEGEN_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)")
	}
	if !underZones(t) {
		return
	}
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("CACHEGEN_POSTGRES_URL=%s: %v", url, err)
	}
	defer pool.Close()
	table := tableName("cg_drivers")
	if _, err := pool.Exec(ctx, fmt.Sprintf(`CREATE TABLE %s (id bigint PRIMARY KEY, created timestamptz NOT NULL,
		tstz timestamptz, ts timestamp, date date, interval interval, numeric numeric, text text, int4 int4,
		int8 int8, float8 float8, bool bool, uuid uuid, jsonb jsonb, bytea bytea, dec numeric)`, table)); err != nil {
		t.Fatalf("CACHEGEN_POSTGRES_URL=%s: %v", url, err)
	}
	defer pool.Exec(context.Background(), "DROP TABLE "+table)
	for _, r := range pgRows {
		if _, err := pool.Exec(ctx, "INSERT INTO "+table+" VALUES "+r); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
	}
	repo := &PgRepo{Pool: pool, Table: table}
	plain, near := testCaches(t)
	cached := map[string]PgRepository{"redis": NewCachedPgRepository(repo, plain), "near": NewCachedPgRepository(repo, near)}
	for id := int64(1); id <= int64(len(pgRows)); id++ {
		want, err := repo.PgRow(ctx, id)
		if err != nil {
			t.Fatalf("row %d: %v", id, err)
		}
		reads := map[string]func(context.Context) (PgRow, error){}
		for name, r := range cached {
			reads[name] = func(ctx context.Context) (PgRow, error) { return r.PgRow(ctx, id) }
		}
		checkHits(t, fmt.Sprint("row ", id), want, reads)
	}
	want, err := repo.PgRows(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reads := map[string]func(context.Context) ([]PgRow, error){}
	for name, r := range cached {
		reads[name] = r.PgRows
	}
	checkHits(t, "all rows", want, reads)
}
