// Package sqlcinfer is sqlc's output for PostgreSQL, whose reads are
// annotated --cache:expire=60 only: cachegen infers their namespaces and
// every write's invalidations from the SQL and the schema.
package sqlcinfer
