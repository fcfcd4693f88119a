// Package pg is a sqlc project (PostgreSQL, pgx/v5) cached by cachegen:
// query.sql is its only annotated file. sqlc writes db.go, models.go,
// querier.go and query.sql.go; cachegen writes querier_cache.go.
package pg

//go:generate go tool cachegen
