-- name: GetAuthor :one
--cache:expire=60 namespace=authors:{id}
SELECT * FROM authors WHERE id = $1 LIMIT 1;

-- name: ListAuthors :many
--cache:expire=60 namespace=authors.all
SELECT * FROM authors ORDER BY name;

-- name: CreateAuthor :one
--cache:invalidate namespace=authors:{return.ID},authors.all
INSERT INTO authors (name, bio) VALUES ($1, $2) RETURNING *;

-- name: DeleteAuthor :exec
--cache:invalidate namespace=authors:{id},authors.all
DELETE FROM authors WHERE id = $1;
