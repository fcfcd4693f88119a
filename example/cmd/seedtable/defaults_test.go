package main

import (
	"net"
	"net/url"
	"os"
	"regexp"
	"testing"

	"github.com/go-sql-driver/mysql"
)

// TestDefaultsMatchCompose checks that seedtable's defaults reach the
// servers of example/docker-compose.yml as published on the host, and that
// the compose file names one database for MariaDB and for the API.
func TestDefaultsMatchCompose(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	compose := string(b)
	find := func(what, pattern string) string {
		t.Helper()
		m := regexp.MustCompile(pattern).FindStringSubmatch(compose)
		if m == nil {
			t.Fatalf("docker-compose.yml: no %s (%s)", what, pattern)
		}
		return m[1]
	}
	mariadbPort := find("published MariaDB port", `"127\.0\.0\.1:\$\{BOOKS_MARIADB_PORT:-(\d+)\}:3306"`)
	redisPort := find("published Redis port", `"127\.0\.0\.1:\$\{BOOKS_REDIS_PORT:-(\d+)\}:6379"`)
	database := find("MARIADB_DATABASE", `MARIADB_DATABASE: (\S+)`)
	apiDatabase := find("API's MYSQL_DSN", `MYSQL_DSN: "root@tcp\(mariadb:3306\)/([^"?]+)"`)
	if apiDatabase != database {
		t.Errorf("docker-compose.yml: MariaDB creates the database %q, the API uses %q", database, apiDatabase)
	}

	my, err := mysql.ParseDSN(defaultDSN)
	if err != nil {
		t.Fatal(err)
	}
	if _, port, _ := net.SplitHostPort(my.Addr); port != mariadbPort || my.DBName != database {
		t.Errorf("seedtable's default DSN %q: want port %s and database %q, as docker-compose.yml publishes", defaultDSN, mariadbPort, database)
	}
	u, err := url.Parse(defaultRedisURL)
	if err != nil {
		t.Fatal(err)
	}
	if u.Port() != redisPort {
		t.Errorf("seedtable's default Redis URL %q: want port %s, as docker-compose.yml publishes", defaultRedisURL, redisPort)
	}
}
