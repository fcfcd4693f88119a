// Package drivers checks cachegen against what real database drivers
// return: jackc/pgx/v5 over PostgreSQL (its pgtype values, times in
// time.Local) and go-sql-driver/mysql over MariaDB or MySQL (times in the
// DSN's loc, database/sql's Null types), each through a generated wrapper.
// Its tests compare every Redis hit and near hit with the uncached result
// by reflect.DeepEqual, under several TZ settings.
//
// The tests need the servers: CACHEGEN_POSTGRES_URL (for example
// postgres://postgres@127.0.0.1:5432/test) and CACHEGEN_MYSQL_DSN (for
// example root@tcp(127.0.0.1:3306)/test). Without them they skip, saying
// so. Redis is CACHEGEN_REDIS_URL's, or a miniredis.
package drivers
