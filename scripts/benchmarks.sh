#!/usr/bin/env bash
# Regenerates docs/benchmarks.md and its charts, docs/charts/*.svg: runs the
# benchmarks of ./bench and of ./bench/peers (a module of its own: cachegen
# beside other Go caches, and the stale-read harness over each), and the
# example's seedtable when MariaDB answers (the seed's rows with the database
# 80 ms away, through seedtable's delay proxy), then turns their output into
# the tables and charts with go run ./bench/report.
#
# seedtable reaches MariaDB at CACHEGEN_MYSQL_DSN's server (default
# root@tcp(127.0.0.1:3306)/), database booksapi, created and seeded if
# missing, and Redis at CACHEGEN_REDIS_URL.
#
# Needs a Redis at CACHEGEN_REDIS_URL (default redis://127.0.0.1:6379/0) and
# redis-server on PATH (the invalidation benchmark gets one of its own, which
# this script starts on a free port and stops). COUNT sets
# how many interleaved runs each figure is the median of (default 5); FILLER
# how many other keys the invalidation benchmark's Redis holds (default 1M).
# OWN_REDIS=1 runs the other benchmarks against an empty Redis of the
# script's own too, instead of CACHEGEN_REDIS_URL: on a machine whose shared
# Redis others keep busy (a KEYS over its keyspace blocks every client).
set -euo pipefail
cd "$(dirname "$0")/.."

export CACHEGEN_REDIS_URL="${CACHEGEN_REDIS_URL:-redis://127.0.0.1:6379/0}"
COUNT="${COUNT:-5}"
FILLER="${FILLER:-1000000}"
OWN_REDIS="${OWN_REDIS:-}"
tmp="$(mktemp -d)"
load_before="$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
own_pids=()
trap 'for p in "${own_pids[@]}"; do kill "$p"; done; rm -rf "$tmp"' EXIT

# start_redis NAME VAR: starts a redis-server of the script's own on a free
# port, stopped on exit, and sets VAR to its URL.
start_redis() {
	local port=$((20000 + RANDOM % 20000))
	redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no >"$tmp/$1-redis.log" &
	local pid=$!
	own_pids+=("$pid")
	for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
	# Ours answers, not another server already on the port.
	if ! kill -0 "$pid" 2>/dev/null || ! redis-cli -p "$port" ping >/dev/null 2>&1; then
		echo "redis-server on port $port did not start: $(cat "$tmp/$1-redis.log")" >&2
		exit 1
	fi
	printf -v "$2" 'redis://127.0.0.1:%s/0' "$port"
}

# The invalidation benchmark fills a Redis with FILLER keys: one of its own.
start_redis invalidation CACHEGEN_BENCH_OWN_REDIS_URL
export CACHEGEN_BENCH_OWN_REDIS_URL
if [ -n "$OWN_REDIS" ]; then
	start_redis bench CACHEGEN_REDIS_URL
fi

# The generation benchmark compares with mockgen, a dev tool kept out of go.mod.
go build -o "$tmp/cachegen" ./cmd/cachegen
GOBIN="$tmp" go install go.uber.org/mock/mockgen@v0.6.0

(cd bench && go test -c -o "$tmp/bench.test" .)
(cd bench/peers && go test -c -o "$tmp/peers.test" .)
run() { (cd bench && "$tmp/bench.test" -test.run '^$' "$@") | tee -a "$tmp/bench.txt"; }
peers() { (cd bench/peers && "$tmp/peers.test" -test.run '^$' "$@") | tee -a "$tmp/bench.txt"; }

# Interleaved, so that a slow moment of the machine hits both sides of a ratio.
for i in $(seq "$COUNT"); do
	echo "== run $i of $COUNT" >&2
	run -test.bench '^Benchmark(Hit|HitParallel|Miss|Decode|Compression|CompressionHitRatio|TemplateHit|NearHit)$' -test.benchtime 2s
	# A fixed number of operations: the hit rates depend on it, not on time.
	run -test.bench '^BenchmarkHitRate$' -test.benchtime 20000x
	# The stale-read harness runs once per round (2s per cache, over 1s of benchtime).
	peers -test.bench '^BenchmarkPeer(Hit|HotKey|Miss|Stale)$' -test.benchtime 1s
	CACHEGEN_BIN="$tmp/cachegen" MOCKGEN_BIN="$tmp/mockgen" run -test.bench '^BenchmarkGenerate$' -test.benchtime 3x
done
for i in $(seq 3); do
	run -test.bench '^BenchmarkInvalidate$/entries=/cachegen' -filler "$FILLER"
	run -test.bench '^BenchmarkInvalidate$/entries=/(scan|keys)' -test.benchtime 1x -filler "$FILLER"
done

seed=""
seed_dsn="${CACHEGEN_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}"
seed_dsn="${seed_dsn%%/*}/booksapi"
if (cd example && go run ./cmd/seedtable -mysql-dsn "$seed_dsn" -redis-url "$CACHEGEN_REDIS_URL" -db-latency 80ms) > "$tmp/seedtable.md" 2> "$tmp/seedtable.err"; then
	seed="$tmp/seedtable.md"
else
	echo "seedtable skipped: $(cat "$tmp/seedtable.err")" >&2
fi

{
	(cd bench && go run ./report -bench "$tmp/bench.txt" ${seed:+-seedtable "$seed"} -charts ../docs/charts \
		-command "${OWN_REDIS:+OWN_REDIS=$OWN_REDIS }COUNT=$COUNT FILLER=$FILLER scripts/benchmarks.sh")
	printf '\nGo %s; Redis %s; %s.\n' "$(go env GOVERSION | sed 's/^go//')" \
		"$(redis-server --version | sed 's/.*v=\([^ ]*\).*/\1/')" \
		"$(mariadb --version 2>/dev/null | sed 's/.*Distrib \([^,]*\),.*/MariaDB \1/' || echo 'no MariaDB')"
	# Other jobs on the machine slow some runs more than others: say how busy it was.
	printf '\nLoad average (1, 5, 15 min) when the runs began: %s; when they ended: %s.\n' \
		"$load_before" "$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)"
	cat docs/benchmarks-notes.md
} > "$tmp/benchmarks.md"
mv "$tmp/benchmarks.md" docs/benchmarks.md
# The charts' inputs, so that they can be drawn again (bench/report -charts).
cp "$tmp/bench.txt" docs/charts/bench.txt
if [ -n "$seed" ]; then cp "$seed" docs/charts/seedtable.md; fi
echo "wrote docs/benchmarks.md and docs/charts/" >&2
