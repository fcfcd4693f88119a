package drivers

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/shopspring/decimal"
)

// MyRow is a row of a MariaDB or MySQL table with a column of each type, as
// go-sql-driver/mysql returns them with parseTime=true.
type MyRow struct {
	ID      int64
	Created time.Time // DATETIME(6) NOT NULL
	Updated sql.NullTime
	//lint:ignore SA1019 deprecated (it reads times as UTC, whatever loc says), but code still returns it, so it is tested
	Deleted   mysql.NullTime
	Day       sql.NullTime // DATE
	Stamp     sql.Null[time.Time]
	Name      sql.NullString
	Count     sql.NullInt64
	Small     sql.NullInt32
	Ratio     sql.NullFloat64
	Flag      sql.NullBool
	Blob      []byte
	Doc       json.RawMessage // JSON NOT NULL: MariaDB keeps the text as written
	Price     decimal.Decimal
	NullPrice decimal.NullDecimal
}

// MyRepository reads the rows of a MariaDB or MySQL table.
type MyRepository interface {
	//cache:expire=300 namespace=myrows
	MyRow(ctx context.Context, id int64) (MyRow, error)
	//cache:expire=300 namespace=myrows
	MyRows(ctx context.Context) ([]MyRow, error)
}

// MyRepo is MyRepository over a database/sql handle and a table.
type MyRepo struct {
	DB    *sql.DB
	Table string
}

const myColumns = "id, created, updated, deleted, day, stamp, name, count, small, ratio, flag, blob_, doc, price, null_price"

func scanMy(row interface{ Scan(...any) error }) (MyRow, error) {
	var r MyRow
	err := row.Scan(&r.ID, &r.Created, &r.Updated, &r.Deleted, &r.Day, &r.Stamp, &r.Name, &r.Count, &r.Small,
		&r.Ratio, &r.Flag, &r.Blob, &r.Doc, &r.Price, &r.NullPrice)
	return r, err
}

// MyRow returns the row of id.
func (m *MyRepo) MyRow(ctx context.Context, id int64) (MyRow, error) {
	return scanMy(m.DB.QueryRowContext(ctx, "SELECT "+myColumns+" FROM "+m.Table+" WHERE id = ?", id))
}

// MyRows returns every row, by id.
func (m *MyRepo) MyRows(ctx context.Context) ([]MyRow, error) {
	rows, err := m.DB.QueryContext(ctx, "SELECT "+myColumns+" FROM "+m.Table+" ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []MyRow
	for rows.Next() {
		r, err := scanMy(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
