-- name: GetAuthor :one
-- cache:expire=60 namespce=authors:{id}
SELECT * FROM authors WHERE id = ? LIMIT 1;

-- name: ListAuthors :many
#cache:expire=60 namespace=authors.all notfond=x
SELECT * FROM authors ORDER BY name;
