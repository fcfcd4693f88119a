-- name: GetBook :one
-- cache:expire=600
SELECT * FROM adv_books WHERE id = ?;

-- name: ListBooks :many
-- cache:expire=600
SELECT * FROM adv_books ORDER BY id;

-- name: GetBookDup :one
-- cache:expire=600
SELECT * FROM adv_books WHERE title = sqlc.arg(t) AND subtitle = sqlc.arg(t) AND id = sqlc.arg(id) AND author_id = sqlc.arg(aid);

-- name: GetCode :one
-- cache:expire=600
SELECT * FROM adv_codes WHERE code = ?;

-- name: CreateAuthor :execlastid
INSERT INTO adv_authors (name) VALUES (?);

-- name: CreateBook :exec
INSERT INTO adv_books (id, author_id, title, subtitle) VALUES (?, ?, ?, ?);

-- name: CreateCode :exec
INSERT INTO adv_codes (code, label) VALUES (?, ?);

-- name: RetitleBook :exec
UPDATE adv_books SET title = ? WHERE id = ?;

-- name: RetitleJoin :exec
UPDATE adv_books b JOIN adv_authors a ON a.id = b.author_id SET title = ? WHERE a.id = ?;

-- name: TruncateBooks :exec
TRUNCATE TABLE adv_books;

-- name: RelabelCode :exec
UPDATE adv_codes SET label = ? WHERE code = ?;
