// Package sqlcmysql is sqlc's output for MySQL (database/sql), annotated in
// query.sql only, with both forms MySQL allows: -- cache: (which sqlc
// writes as // cache:) and #cache: (written as //cache:).
package sqlcmysql
