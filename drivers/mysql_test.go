package drivers

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// myRows are the rows of the MariaDB/MySQL table: typical values, NULLs,
// the oldest and latest DATETIMEs, dates before 1900 (whose offsets in
// Asia/Jakarta and Local zones are LMT's, not whole minutes), non-compact
// JSON and decimals with trailing zeros.
var myRows = []string{
	`(1, '2024-03-31 01:59:59.123456', '2024-07-01 12:00:00.5', '2024-01-02 03:04:05', '2024-02-29',
	  '2024-12-31 23:59:59.999', 'héllo <&>', -9000000000000000, 42, 3.14159, true, x'00ff',
	  '{"b": [1, 2], "a": "x"}', 19.90, 0.5000)`,
	`(2, '1000-01-01 00:00:00', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{ }', 0, NULL)`,
	`(3, '1850-06-01 12:00:00', '1970-01-01 00:00:01', '1893-03-31 23:59:59', '1000-01-01',
	  '1900-01-01 00:00:00', '', 0, 0, 0, false, x'', '[]', -0.01, 0)`,
	`(4, '9999-12-30 23:59:59.999999', '2038-01-19 03:14:07', '9999-12-30 00:00:00', '9999-12-31',
	  NULL, 'x', 1, -1, -0.5, true, NULL, 'null', 1234567890.12, -12345678.1234)`,
}

func TestMySQLHitsEqualUncached(t *testing.T) {
	dsn := os.Getenv("CACHEGEN_MYSQL_DSN")
	if dsn == "" {
		t.Skip("CACHEGEN_MYSQL_DSN is not set: the MariaDB/MySQL tests skip (CACHEGEN_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test')")
	}
	if !underZones(t) {
		return
	}
	ctx := context.Background()
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("CACHEGEN_MYSQL_DSN=%s: %v", dsn, err)
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	table := tableName("cg_drivers")
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE TABLE %s (id BIGINT PRIMARY KEY, created DATETIME(6) NOT NULL,
		updated TIMESTAMP(6) NULL, deleted DATETIME NULL, day DATE NULL, stamp DATETIME(3) NULL,
		name VARCHAR(100) NULL, count BIGINT NULL, small INT NULL, ratio DOUBLE NULL, flag BOOL NULL,
		blob_ BLOB NULL, doc JSON NOT NULL, price DECIMAL(14,2) NOT NULL, null_price DECIMAL(14,4) NULL)`, table)); err != nil {
		t.Fatalf("CACHEGEN_MYSQL_DSN=%s: %v", dsn, err)
	}
	defer admin.ExecContext(context.Background(), "DROP TABLE "+table)
	// TIMESTAMP columns are read and written in the session's time_zone.
	if _, err := admin.ExecContext(ctx, "SET time_zone = '+00:00'"); err != nil {
		t.Fatal(err)
	}
	for _, r := range myRows {
		if _, err := admin.ExecContext(ctx, "INSERT INTO "+table+" VALUES "+r); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
	}
	for _, loc := range []string{"UTC", "Local", "Asia/Jakarta"} {
		t.Run("loc="+loc, func(t *testing.T) {
			db, err := sql.Open("mysql", cfg.FormatDSN()+sep(cfg)+"parseTime=true&loc="+url.QueryEscape(loc))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			repo := &MyRepo{DB: db, Table: table}
			plain, near := testCaches(t)
			cached := map[string]MyRepository{"redis": NewCachedMyRepository(repo, plain), "near": NewCachedMyRepository(repo, near)}
			for id := int64(1); id <= int64(len(myRows)); id++ {
				want, err := repo.MyRow(ctx, id)
				if err != nil {
					t.Fatalf("row %d: %v", id, err)
				}
				reads := map[string]func(context.Context) (MyRow, error){}
				for name, r := range cached {
					reads[name] = func(ctx context.Context) (MyRow, error) { return r.MyRow(ctx, id) }
				}
				checkHits(t, fmt.Sprint("row ", id), want, reads)
			}
			want, err := repo.MyRows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			reads := map[string]func(context.Context) ([]MyRow, error){}
			for name, r := range cached {
				reads[name] = r.MyRows
			}
			checkHits(t, "all rows", want, reads)
		})
	}
}

// sep returns what joins more parameters to cfg's DSN.
func sep(cfg *mysql.Config) string {
	if len(cfg.Params) > 0 {
		return "&"
	}
	return "?"
}
