// Package sqlcerrors is sqlc's output for PostgreSQL from query.sql, whose
// annotations are wrong: cachegen reports each at its line of query.sql,
// the file to edit, not at the copy sqlc made in querier.go.
package sqlcerrors
