#!/usr/bin/env bash
# The test command: go test -race -count=1 in every module of the
# repository (go test ./... at the root does not enter nested modules).
# Extra arguments are passed to go test, e.g. scripts/test.sh -short.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/modules.sh
export GOWORK=off # each module as its users build it
status=0
for m in "${MODULES[@]}"; do
	echo "== go test $m" >&2
	(cd "$m" && go test -race -count=1 "$@" $(packages "$m")) || status=1
done
exit $status
