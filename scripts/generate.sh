#!/usr/bin/env bash
# Regenerates every wrapper of the repository: go generate ./... in every
# module (the directives run go tool cachegen, or go run of it, from this
# checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/modules.sh
export GOWORK=off
for m in "${MODULES[@]}"; do
	# The generator's cases are rewritten by go test ./cmd/cachegen -update
	# and compared by its tests; some of them are meant to fail.
	[ "$m" = testdata ] && continue
	(cd "$m" && go generate ./...)
done
