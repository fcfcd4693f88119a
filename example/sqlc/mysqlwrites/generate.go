// Package mysqlwrites holds sqlc queries whose invalidation cachegen infers
// from shapes of SQL that are easy to get wrong on MySQL and MariaDB
// (TRUNCATE, a multi-table UPDATE of an unqualified column, a named
// parameter used twice, text keys under a case-insensitive collation),
// each checked against a real server by its test: a cached read, the
// write through the generated wrapper, and the same read on the database.
package mysqlwrites

//go:generate go tool cachegen
