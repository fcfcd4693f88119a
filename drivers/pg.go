package drivers

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
)

//go:generate go tool cachegen

// PgRow is a row of a PostgreSQL table with a column of each type, as sqlc
// writes it for pgx/v5: pgtype values for the nullable columns.
type PgRow struct {
	ID         int64
	Created    time.Time // timestamptz not null, as sqlc's overrides often make it
	Tstz       pgtype.Timestamptz
	Ts         pgtype.Timestamp
	Date       pgtype.Date
	Interval   pgtype.Interval
	Numeric    pgtype.Numeric
	Text       pgtype.Text
	Int4       pgtype.Int4
	Int8       pgtype.Int8
	Float8     pgtype.Float8
	Bool       pgtype.Bool
	UUID       pgtype.UUID
	Jsonb      []byte
	Bytea      []byte
	Decimal    decimal.NullDecimal
	CreatedPtr *time.Time
}

// PgRepository reads the rows of a PostgreSQL table.
type PgRepository interface {
	//cache:expire=300 namespace=pgrows
	PgRow(ctx context.Context, id int64) (PgRow, error)
	//cache:expire=300 namespace=pgrows
	PgRows(ctx context.Context) ([]PgRow, error)
}

// PgRepo is PgRepository over a pgx pool and a table.
type PgRepo struct {
	Pool  *pgxpool.Pool
	Table string
}

const pgColumns = "id, created, tstz, ts, date, interval, numeric, text, int4, int8, float8, bool, uuid, jsonb, bytea, dec, created"

func scanPg(row interface{ Scan(...any) error }) (PgRow, error) {
	var r PgRow
	err := row.Scan(&r.ID, &r.Created, &r.Tstz, &r.Ts, &r.Date, &r.Interval, &r.Numeric, &r.Text, &r.Int4, &r.Int8,
		&r.Float8, &r.Bool, &r.UUID, &r.Jsonb, &r.Bytea, &r.Decimal, &r.CreatedPtr)
	return r, err
}

// PgRow returns the row of id.
func (p *PgRepo) PgRow(ctx context.Context, id int64) (PgRow, error) {
	return scanPg(p.Pool.QueryRow(ctx, "SELECT "+pgColumns+" FROM "+p.Table+" WHERE id = $1", id))
}

// PgRows returns every row, by id.
func (p *PgRepo) PgRows(ctx context.Context) ([]PgRow, error) {
	rows, err := p.Pool.Query(ctx, "SELECT "+pgColumns+" FROM "+p.Table+" ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PgRow
	for rows.Next() {
		r, err := scanPg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
