#!/usr/bin/env bash
# Regenerates every wrapper of the repository: go generate ./... in every
# module (the directives run go tool cachegen, or go run of it, from this
# checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/modules.sh
export GOWORK=off
for m in "${MODULES[@]}"; do
	(cd "$m" && go generate ./...)
done
