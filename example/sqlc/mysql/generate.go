// Package mysql is a sqlc project (MySQL engine, database/sql with
// go-sql-driver/mysql) cached by cachegen: query.sql is its only annotated
// file, in the two forms MySQL allows (-- cache: and #cache:).
package mysql

//go:generate go tool cachegen
