// Package pgwrites holds sqlc queries whose invalidation cachegen infers
// from shapes of SQL that are easy to get wrong (TRUNCATE, MERGE, views of
// views, writes through a view, :copyfrom, upserts, foreign keys added by
// ALTER TABLE, CTEs named as tables), each checked against a real
// PostgreSQL by its test: a cached read, the write through the generated
// wrapper, and the same read on the database.
package pgwrites

//go:generate go tool cachegen
