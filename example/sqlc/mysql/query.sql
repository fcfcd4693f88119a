-- name: GetAuthor :one
-- cache:expire=60
SELECT * FROM authors WHERE id = ?;

-- name: ListAuthors :many
#cache:expire=60
SELECT * FROM authors ORDER BY id;

-- name: GetBook :one
-- cache:expire=60
SELECT * FROM books WHERE id = ?;

-- name: BooksByAuthorName :many
-- cache:expire=60
SELECT b.* FROM books b JOIN authors a ON a.id = b.author_id WHERE a.name = ? ORDER BY b.id;

-- name: CreateAuthor :execlastid
INSERT INTO authors (name) VALUES (?);

-- name: RenameAuthor :exec
UPDATE authors SET name = ? WHERE id = ?;

-- name: DeleteAuthor :exec
DELETE FROM authors WHERE id = ?;

-- name: CreateBook :execlastid
INSERT INTO books (author_id, title) VALUES (?, ?);

-- name: RetitleBooks :execrows
UPDATE books SET title = ? WHERE title = ?;
