// Package paramclash has parameters named like the packages their
// methods' types come from: json, sql, time, netip.
package paramclash

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/netip"
	"time"
)

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Docs reads documents.
type Docs interface {
	//cache:expire=300 namespace=docs
	Doc(ctx context.Context, json string) (json.RawMessage, error)
	//cache:expire=300 namespace=docs
	Row(ctx context.Context, sql string) (sql.NullString, error)
	//cache:expire=300 namespace=docs
	At(ctx context.Context, time int64) (time.Time, error)
	//cache:expire=300 namespace=docs
	Addr(ctx context.Context, netip string, at time.Time) (netip.Addr, error)
	//cache:expire=300 namespace=docs
	Count(ctx context.Context, string int) (string, error)
}
