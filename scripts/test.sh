#!/usr/bin/env bash
# The test command: go test -race -count=1 in every module of the
# repository (go test ./... at the root does not enter nested modules).
# Extra arguments are passed to go test, e.g. scripts/test.sh -short.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/modules.sh
export GOWORK=off # each module as its users build it

# go test prints only "ok" for a package that passes, skipped tests included
# (even a TestMain's output is dropped), so say here what will skip.
if [ -z "${CACHEGEN_REDIS_URL:-}" ]; then
	echo "note: CACHEGEN_REDIS_URL is not set: tests use miniredis, and the README quick start is generated but not run (CACHEGEN_REDIS_URL=redis://127.0.0.1:6379/0)" >&2
fi
if [ -z "${CACHEGEN_MYSQL_DSN:-}" ]; then
	echo "note: CACHEGEN_MYSQL_DSN is not set: the example's MariaDB/MySQL tests skip (CACHEGEN_MYSQL_DSN='root@tcp(127.0.0.1:3306)/test')" >&2
fi
if [ -z "${CACHEGEN_POSTGRES_URL:-}" ]; then
	echo "note: CACHEGEN_POSTGRES_URL is not set: the drivers' PostgreSQL tests skip (CACHEGEN_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)" >&2
fi
if ! command -v redis-server >/dev/null; then
	echo "note: redis-server is not on PATH: the runtime's tests that start Redis servers of their own skip" >&2
fi
status=0
for m in "${MODULES[@]}"; do
	echo "== go test $m" >&2
	(cd "$m" && go test -race -count=1 $(testflags "$m") "$@" $(packages "$m")) || status=1
done
exit $status
