// Package admin serves users with their secrets.
package admin

import "context"

// User is what administrators see.
type User struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	PasswordHash string `json:"password_hash"`
}

// Repository reads users.
type Repository interface {
	//cache:expire=5m namespace=users
	GetUser(ctx context.Context, id int64) (User, error)
	//cache:invalidate namespace=users
	SetPassword(ctx context.Context, id int64, hash string) error
}
