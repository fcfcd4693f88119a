// Package crosspkg is the CQRS layout: the write side invalidates a
// namespace that the read model, in package query, caches.
package crosspkg

import "context"

// Hour is an hour of availability.
type Hour struct {
	At        int64 `json:"at"`
	Available bool  `json:"available"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repository writes hours.
type Repository interface {
	//cache:invalidate namespace=hours
	UpdateHour(ctx context.Context, h Hour) error
}
