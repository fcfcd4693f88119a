// Package trainings caches trainings, which package trainer invalidates.
package trainings

import "context"

// Training is a training.
type Training struct {
	UUID string `json:"uuid"`
	Note string `json:"note"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repository reads trainings.
type Repository interface {
	//cache:expire=60 namespace=training:{uuid}
	GetTraining(ctx context.Context, uuid string) (Training, error)
}
