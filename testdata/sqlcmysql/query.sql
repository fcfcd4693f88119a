-- name: GetAuthor :one
-- cache:expire=60 namespace=authors:{id}
SELECT * FROM authors WHERE id = ? LIMIT 1;

-- name: ListAuthors :many
#cache:expire=60 namespace=authors.all
SELECT * FROM authors ORDER BY name;

-- name: CreateAuthor :execlastid
-- cache:invalidate namespace=authors:{return},authors.all
INSERT INTO authors (name, bio) VALUES (?, ?);

-- name: DeleteAuthor :exec
-- cache:invalidate namespace=authors:{id},authors.all
DELETE FROM authors WHERE id = ?;
