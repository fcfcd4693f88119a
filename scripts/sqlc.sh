#!/usr/bin/env bash
# Regenerates the sqlc output committed in this repository (the generator's
# sqlc test cases and example/sqlc) with sqlc v1.31.1, then cachegen's
# wrappers of example/sqlc. sqlc is a dev tool outside every go.mod, like
# staticcheck; its first build takes minutes and needs cgo (gcc). CI runs
# this and checks with git diff --exit-code that nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOWORK=off
SQLC="go run github.com/sqlc-dev/sqlc/cmd/sqlc@v1.31.1"
for dir in testdata/sqlcpg testdata/sqlcmysql testdata/sqlcinfer testdata/sqlcerrors testdata/sqlcmysqlerrors example/sqlc/pg example/sqlc/mysql example/sqlc/pgwrites example/sqlc/mysqlwrites; do
	[ -d "$dir" ] || continue
	(cd "$dir" && $SQLC generate)
done
(cd example/sqlc && go generate ./...)
