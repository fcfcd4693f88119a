package sqlcquery

import (
	"strings"
	"testing"
)

const pgSchemaSQL = `
CREATE TABLE authors (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (
  id BIGSERIAL PRIMARY KEY,
  author_id BIGINT NOT NULL REFERENCES authors (id) ON DELETE CASCADE,
  title TEXT NOT NULL
);
CREATE TABLE reviews (
  book_id BIGINT NOT NULL,
  n INT NOT NULL,
  body TEXT,
  PRIMARY KEY (book_id, n),
  FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE CASCADE
);
CREATE TABLE notes (id BIGSERIAL PRIMARY KEY, book_id BIGINT REFERENCES books ON DELETE SET NULL);
CREATE VIEW titles AS SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id;
`

const mysqlSchemaSQL = `
CREATE TABLE authors (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books (
  id BIGINT NOT NULL AUTO_INCREMENT,
  author_id BIGINT NOT NULL,
  title TEXT NOT NULL,
  PRIMARY KEY (id),
  CONSTRAINT fk FOREIGN KEY (author_id) REFERENCES authors (id) ON DELETE CASCADE
);
CREATE TABLE reviews (
  book_id BIGINT NOT NULL,
  n INT NOT NULL,
  body TEXT,
  PRIMARY KEY (book_id, n),
  FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE CASCADE
);
CREATE TABLE notes (id BIGINT PRIMARY KEY, book_id BIGINT, FOREIGN KEY (book_id) REFERENCES books (id) ON DELETE SET NULL);
CREATE VIEW titles AS SELECT b.title, a.name FROM books b JOIN authors a ON a.id = b.author_id;
`

func schema(t *testing.T, e Engine) *Schema {
	t.Helper()
	s := NewSchema()
	src := pgSchemaSQL
	if e == MySQL {
		src = mysqlSchemaSQL
	}
	if err := ParseSchema(e, src, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func describe(q *Query) string {
	var parts []string
	for _, u := range q.Uses {
		w := "read "
		if u.Write {
			w = "write "
		}
		parts = append(parts, w+u.String())
	}
	return strings.Join(parts, "; ")
}

func TestAnalyze(t *testing.T) {
	cases := []struct {
		engine Engine
		sql    string
		want   string
	}{
		{PostgreSQL, "-- name: GetAuthor :one\nSELECT * FROM authors WHERE id = $1 LIMIT 1", "read authors row $1"},
		{PostgreSQL, "SELECT * FROM authors WHERE name = $1", "read authors (whole table)"},
		{PostgreSQL, "SELECT * FROM authors WHERE id = $1 OR name = $2", "read authors (whole table)"},
		{PostgreSQL, "SELECT * FROM authors WHERE $1::bigint = id AND name <> ''", "read authors row $1"},
		{PostgreSQL, "SELECT b.* FROM books b JOIN authors a ON a.id = b.author_id WHERE b.id = $1", "read books row $1; read authors (whole table)"},
		{PostgreSQL, "SELECT * FROM books WHERE author_id IN (SELECT id FROM authors WHERE name = $1)", "read books (whole table); read authors (whole table)"},
		{PostgreSQL, "WITH x AS (SELECT * FROM books WHERE id = $1) SELECT * FROM x", "read books row $1"},
		{PostgreSQL, "SELECT * FROM reviews WHERE book_id = $1 AND n = $2", "read reviews row $1,$2"},
		{PostgreSQL, "SELECT * FROM reviews WHERE book_id = $1", "read reviews (whole table)"},
		{PostgreSQL, "SELECT * FROM titles", "read books (whole table); read authors (whole table)"},
		{PostgreSQL, "INSERT INTO authors (name) VALUES ($1) RETURNING *", "write authors row returned id"},
		{PostgreSQL, "INSERT INTO authors (name) VALUES ($1)", "write authors (whole table)"},
		{PostgreSQL, "INSERT INTO authors (id, name) VALUES ($1, $2)", "write authors row $1"},
		{PostgreSQL, "INSERT INTO authors (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name", "write authors (whole table)"},
		{PostgreSQL, "INSERT INTO authors (id, name) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET name = excluded.name RETURNING id", "write authors row returned id"},
		{PostgreSQL, "INSERT INTO authors (name) VALUES ($1), ($2)", "write authors (whole table)"},
		{PostgreSQL, "UPDATE authors SET name = $2 WHERE id = $1", "write authors row $1"},
		{PostgreSQL, "UPDATE authors SET id = $2 WHERE id = $1", "write authors (whole table)"},
		{PostgreSQL, "UPDATE books SET title = $1 FROM authors WHERE books.author_id = authors.id AND authors.name = $2", "write books (whole table); read authors (whole table)"},
		{PostgreSQL, "DELETE FROM authors WHERE id = $1", "write authors row $1; write books (whole table) by ON DELETE of a foreign key to authors; write reviews (whole table) by ON DELETE of a foreign key to books; write notes (whole table) by ON DELETE of a foreign key to books"},
		{PostgreSQL, "DELETE FROM reviews WHERE book_id = $1 AND n = $2", "write reviews row $1,$2"},
		{PostgreSQL, "WITH d AS (DELETE FROM reviews WHERE book_id = $1 RETURNING *) SELECT count(*) FROM d", "write reviews (whole table)"},
		{MySQL, "-- name: GetAuthor :one\nSELECT * FROM authors WHERE id = ? LIMIT 1", "read authors row $1"},
		{MySQL, "SELECT * FROM reviews WHERE n = ? AND book_id = ?", "read reviews row $2,$1"},
		{MySQL, "SELECT b.* FROM books b JOIN authors a ON a.id = b.author_id WHERE b.id = ?", "read books row $1; read authors (whole table)"},
		{MySQL, "SELECT * FROM titles", "read books (whole table); read authors (whole table)"},
		{MySQL, "WITH x AS (SELECT * FROM books WHERE id = ?) SELECT * FROM x", "read books row $1"},
		{MySQL, "INSERT INTO authors (name) VALUES (?)", "write authors row last insert id"},
		{MySQL, "INSERT INTO authors (id, name) VALUES (?, ?)", "write authors row $1"},
		{MySQL, "INSERT INTO authors (id, name) VALUES (?, ?) ON DUPLICATE KEY UPDATE name = VALUES(name)", "write authors (whole table)"},
		{MySQL, "UPDATE authors SET name = ? WHERE id = ?", "write authors row $2"},
		{MySQL, "DELETE FROM authors WHERE id = ?", "write authors row $1; write books (whole table) by ON DELETE of a foreign key to authors; write reviews (whole table) by ON DELETE of a foreign key to books; write notes (whole table) by ON DELETE of a foreign key to books"},
		{MySQL, "DELETE b FROM books b JOIN authors a ON a.id = b.author_id WHERE a.name = ?", "write books (whole table); write reviews (whole table) by ON DELETE of a foreign key to books; write notes (whole table) by ON DELETE of a foreign key to books; read authors (whole table)"},
		{MySQL, "REPLACE INTO authors (id, name) VALUES (?, ?)", "write authors (whole table); write books (whole table) by ON DELETE of a foreign key to authors; write reviews (whole table) by ON DELETE of a foreign key to books; write notes (whole table) by ON DELETE of a foreign key to books"},
	}
	for _, c := range cases {
		q, err := Analyze(c.engine, c.sql, schema(t, c.engine))
		if err != nil {
			t.Errorf("%s %q: %v", c.engine, c.sql, err)
			continue
		}
		if got := describe(q); got != c.want {
			t.Errorf("%s %q:\n got %s\nwant %s", c.engine, c.sql, got, c.want)
		}
	}
}

func TestAnalyzeRefusesBadSQL(t *testing.T) {
	for _, e := range []Engine{PostgreSQL, MySQL} {
		if _, err := Analyze(e, "SELEC * FROM authors", nil); err == nil {
			t.Errorf("%s: no error", e)
		}
	}
}

// TestAnalyzeWritesOfEveryKind: statements that are not SELECT, INSERT,
// UPDATE or DELETE write the tables they name; views of views read their
// tables, and writes through a view write them; foreign keys and primary
// keys added by ALTER TABLE count; a CTE named as a table does not hide
// the table in another scope; an upsert that sets the key and a
// multi-table UPDATE of an unqualified column are not pinned to one row.
func TestAnalyzeWritesOfEveryKind(t *testing.T) {
	pgSrc := `
CREATE TABLE authors2 (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE books2 (id BIGINT NOT NULL, isbn TEXT NOT NULL UNIQUE, author_id BIGINT NOT NULL, title TEXT NOT NULL);
ALTER TABLE books2 ADD CONSTRAINT books2_pk PRIMARY KEY (id);
ALTER TABLE books2 ADD CONSTRAINT books2_fk FOREIGN KEY (author_id) REFERENCES authors2 (id) ON DELETE CASCADE;
CREATE VIEW books2_v AS SELECT id, isbn, title FROM books2;
CREATE VIEW books2_vv AS SELECT id, title FROM books2_v;
CREATE MATERIALIZED VIEW book2_counts AS SELECT author_id, count(*) AS n FROM books2 GROUP BY author_id;
`
	mySrc := `
CREATE TABLE a3 (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL);
CREATE TABLE b3 (id BIGINT PRIMARY KEY, author_id BIGINT NOT NULL, title VARCHAR(100) NOT NULL);
ALTER TABLE b3 ADD CONSTRAINT fk FOREIGN KEY (author_id) REFERENCES a3 (id) ON DELETE CASCADE;
`
	cases := []struct {
		engine Engine
		sql    string
		want   string
		params int
	}{
		{PostgreSQL, "SELECT * FROM books2 WHERE id = $1", "read books2 row $1", 1},
		{PostgreSQL, "SELECT * FROM books2_vv WHERE id = $1", "read books2 (whole table)", 1},
		{PostgreSQL, "UPDATE books2_v SET title = $2 WHERE id = $1", "write books2 (whole table)", 2},
		{PostgreSQL, "TRUNCATE books2", "write books2 (whole table)", 0},
		{PostgreSQL, "TRUNCATE authors2 CASCADE", "write authors2 (whole table); write books2 (whole table) by ON DELETE of a foreign key to authors2", 0},
		{PostgreSQL, "REFRESH MATERIALIZED VIEW book2_counts", "write book2_counts (whole table)", 0},
		{PostgreSQL, "MERGE INTO books2 b USING (SELECT 5::bigint AS id) s ON b.id = s.id WHEN MATCHED THEN UPDATE SET title = 'x'", "write books2 (whole table)", 0},
		{PostgreSQL, "INSERT INTO books2 (id, isbn, author_id, title) VALUES ($1, $2, $3, $4) ON CONFLICT (isbn) DO UPDATE SET id = excluded.id RETURNING *", "write books2 (whole table)", 4},
		{PostgreSQL, "DELETE FROM authors2 WHERE id = $1", "write authors2 row $1; write books2 (whole table) by ON DELETE of a foreign key to authors2", 1},
		{PostgreSQL, "SELECT a.id FROM authors2 a WHERE a.id IN (WITH authors2 AS (SELECT author_id AS id FROM books2) SELECT id FROM authors2)", "read authors2 (whole table); read books2 (whole table)", 0},
		{PostgreSQL, "SELECT * FROM books2 WHERE id = $1 AND title = $3", "read books2 row $1", 3},
		{MySQL, "TRUNCATE TABLE b3", "write b3 (whole table)", 0},
		{MySQL, "UPDATE b3 b JOIN a3 a ON a.id = b.author_id SET title = ? WHERE a.id = ?", "write b3 (whole table); write a3 row $2", 2},
		{MySQL, "DELETE FROM a3 WHERE id = ?", "write a3 row $1; write b3 (whole table) by ON DELETE of a foreign key to a3", 1},
		{MySQL, "SELECT * FROM b3 WHERE title = ? AND id = ? AND title = ?", "read b3 row $2", 3},
	}
	for _, c := range cases {
		s := NewSchema()
		src := pgSrc
		if c.engine == MySQL {
			src = mySrc
		}
		if err := ParseSchema(c.engine, src, s); err != nil {
			t.Fatal(err)
		}
		q, err := Analyze(c.engine, c.sql, s)
		if err != nil {
			t.Errorf("%s %q: %v", c.engine, c.sql, err)
			continue
		}
		if got := describe(q); got != c.want || q.Params != c.params {
			t.Errorf("%s %q:\n got %s (%d parameters)\nwant %s (%d)", c.engine, c.sql, got, q.Params, c.want, c.params)
		}
	}
}
