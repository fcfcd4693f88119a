// Package trainer invalidates a namespace that package trainings caches,
// beside one of its own with a name close to it: generated one package at
// a time, as go generate runs cachegen, it is not taken for a typo.
package trainer

import "context"

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Repository schedules trainings.
type Repository interface {
	//cache:expire=60 namespace=trainings
	CountTrainings(ctx context.Context) (int, error)
	//cache:invalidate namespace=training:{trainingUUID},trainings
	CancelTraining(ctx context.Context, trainingUUID string) error
}
