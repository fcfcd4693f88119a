-- name: GetAuthor :one
-- The author of id.
--cache:expire=60 namespace=authors:{idd}
SELECT * FROM authors WHERE id = $1 LIMIT 1;

-- name: ListAuthors :many
--cache:expire=6o
SELECT * FROM authors ORDER BY name;

-- name: RenameAuthor :exec
--cache:expire=60
UPDATE authors SET name = $2 WHERE id = $1;

-- name: ListBooks :many
SELECT * FROM books ORDER BY title;
