-- Reads say only how long they are cached; cachegen infers their
-- namespaces from the SQL, and what every write invalidates.

-- name: GetAuthor :one
--cache:expire=60
SELECT * FROM authors WHERE id = $1;

-- name: ListAuthors :many
--cache:expire=60
SELECT * FROM authors ORDER BY name;

-- name: GetBook :one
--cache:expire=60
SELECT * FROM books WHERE id = $1;

-- name: BooksByAuthor :many
--cache:expire=60
SELECT b.* FROM books b JOIN authors a ON a.id = b.author_id WHERE a.name = $1 ORDER BY b.title;

-- name: CreateAuthor :one
INSERT INTO authors (name) VALUES ($1) RETURNING *;

-- name: RenameAuthor :exec
UPDATE authors SET name = $2 WHERE id = $1;

-- name: DeleteAuthor :exec
DELETE FROM authors WHERE id = $1;

-- name: CreateBook :one
INSERT INTO books (author_id, title) VALUES ($1, $2) RETURNING id;

-- name: RetitleBooks :execrows
UPDATE books SET title = $1 WHERE title = $2;
