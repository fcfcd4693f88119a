-- name: GetBook :one
--cache:expire=600
SELECT * FROM adv_books WHERE id = $1;

-- name: GetBookByISBN :one
--cache:expire=600
SELECT * FROM adv_books WHERE isbn = $1;

-- name: CountBooks :one
--cache:expire=600
SELECT count(*) FROM adv_books;

-- name: GetBookV :one
--cache:expire=600
SELECT * FROM adv_books_v WHERE id = $1;

-- name: GetBookVV :one
--cache:expire=600
SELECT * FROM adv_books_vv WHERE id = $1;

-- name: ListCounts :many
--cache:expire=600
SELECT * FROM adv_book_counts ORDER BY author_id;

-- name: ListAuthorsShadow :many
--cache:expire=600
SELECT a.id, a.name FROM adv_authors a WHERE a.id IN (WITH adv_authors AS (SELECT author_id AS id FROM adv_books) SELECT id FROM adv_authors) ORDER BY a.id;

-- name: RenameAuthor :exec
UPDATE adv_authors SET name = $2 WHERE id = $1;

-- name: GetBookByText :one
--cache:expire=600
SELECT * FROM adv_books WHERE id::text = $1;

-- name: CreateAuthor :one
INSERT INTO adv_authors (name) VALUES ($1) RETURNING id;

-- name: CreateBook :exec
INSERT INTO adv_books (id, isbn, author_id, title) VALUES ($1, $2, $3, $4);

-- name: RetitleBook :exec
UPDATE adv_books SET title = $2 WHERE id = $1;

-- name: TruncateBooks :exec
TRUNCATE adv_books CASCADE;

-- name: RefreshCounts :exec
REFRESH MATERIALIZED VIEW adv_book_counts;

-- name: RetitleViaView :exec
UPDATE adv_books_v SET title = $2 WHERE id = $1;

-- name: CopyBooks :copyfrom
INSERT INTO adv_books (id, isbn, author_id, title) VALUES ($1, $2, $3, $4);

-- name: UpsertBookRows :execrows
INSERT INTO adv_books (id, isbn, author_id, title) VALUES ($1, $2, $3, $4)
ON CONFLICT (isbn) DO UPDATE SET title = excluded.title RETURNING id;

-- name: UpsertChangeID :one
INSERT INTO adv_books (id, isbn, author_id, title) VALUES ($1, $2, $3, $4)
ON CONFLICT (isbn) DO UPDATE SET id = excluded.id RETURNING *;

-- name: RetitleCTEShadow :exec
UPDATE adv_books AS b SET title = $2 WHERE b.id = $1 AND b.author_id IN (WITH adv_books AS (SELECT $3::bigint AS author_id) SELECT author_id FROM adv_books);

-- name: GetReview :one
--cache:expire=600
SELECT * FROM adv_reviews WHERE id = $1;

-- name: CreateReview :exec
INSERT INTO adv_reviews (id, book_id, body) VALUES ($1, $2, $3);

-- name: DeleteBook :exec
DELETE FROM adv_books WHERE id = $1;

-- name: MergeTitle :exec
MERGE INTO adv_books b USING (SELECT 5::bigint AS id, 'merged'::text AS title) s ON b.id = s.id WHEN MATCHED THEN UPDATE SET title = s.title;
