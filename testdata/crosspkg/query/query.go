// Package query is the read side of crosspkg.
package query

import "context"

// Hour is an hour of availability, as the read model sees it.
type Hour struct {
	At        int64 `json:"at"`
	Available bool  `json:"available"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// AvailableHoursReadModel reads hours.
type AvailableHoursReadModel interface {
	//cache:expire=60 namespace=hours
	AvailableHours(ctx context.Context, from, to int64) ([]Hour, error)
}
