// Package public serves public profiles.
package public

import "context"

// User is a public profile.
type User struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Repository reads users.
type Repository interface {
	//cache:expire=5m namespace=users
	GetUser(ctx context.Context, id int64) (User, error)
}
