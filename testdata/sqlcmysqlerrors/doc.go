// Package sqlcmysqlerrors is sqlc's output for MySQL from query.sql, whose
// annotations (written -- cache: and #cache:, as MySQL needs) are wrong:
// cachegen reports each at its line and column of query.sql.
package sqlcmysqlerrors
