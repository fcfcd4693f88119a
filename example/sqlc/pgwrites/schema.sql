CREATE TABLE adv_authors (
  id   BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL
);

CREATE TABLE adv_books (
  id        BIGINT PRIMARY KEY,
  isbn      TEXT NOT NULL UNIQUE,
  author_id BIGINT NOT NULL REFERENCES adv_authors (id),
  title     TEXT NOT NULL
);

CREATE VIEW adv_books_v AS SELECT id, isbn, title FROM adv_books;

CREATE VIEW adv_books_vv AS SELECT id, title FROM adv_books_v;

CREATE MATERIALIZED VIEW adv_book_counts AS SELECT author_id, count(*) AS n FROM adv_books GROUP BY author_id;

-- A foreign key added by a migration's ALTER TABLE, as most are.
CREATE TABLE adv_reviews (id BIGINT PRIMARY KEY, book_id BIGINT NOT NULL, body TEXT NOT NULL);
ALTER TABLE adv_reviews ADD CONSTRAINT adv_reviews_book_fk FOREIGN KEY (book_id) REFERENCES adv_books (id) ON DELETE CASCADE;
