// Package sqlcpg is sqlc's output for PostgreSQL (database/sql), annotated
// in query.sql only: cachegen reads the annotations sqlc copies onto
// Querier and leaves its copies on *Queries alone.
package sqlcpg
