# The Go modules of this repository, sourced by scripts/test.sh and .ci/run.
#
#   .          the tool: cmd/cachegen, generator, templates (Go 1.24)
#   cache      the runtime that generated code imports (Go 1.22)
#   otelcache  the OpenTelemetry observer (Go 1.22), a module of its own so
#              that the runtime does not depend on OpenTelemetry
#   example    the books API (MySQL driver and all)
#   drivers    what real database drivers return (pgx/v5 over PostgreSQL,
#              go-sql-driver/mysql over MariaDB), through generated wrappers
#   example/sqlc sqlc projects (PostgreSQL with pgx/v5, MySQL) cached by
#              cachegen from annotations in their .sql files
#   bench      the benchmarks
#   bench/peers cachegen beside other Go caches (their modules stay out of the
#              others' go.mod); its tests run -short: the stale-read harness
#              over each peer for a few seconds
#   testdata   the generator's test cases; cmd/cachegen's tests compile and
#              run them, so only its own package (.) is vetted and tested here:
#              some cases are meant not to compile
MODULES=(. cache otelcache example example/sqlc drivers bench bench/peers testdata)

# packages MODULE prints the package pattern that vet, staticcheck and the
# tests cover in MODULE.
packages() {
	case "$1" in
	testdata) echo . ;;
	*) echo ./... ;;
	esac
}

# testflags MODULE prints the extra go test flags of MODULE.
testflags() {
	case "$1" in
	bench/peers) echo -short ;;
	esac
}
