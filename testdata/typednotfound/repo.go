// Package typednotfound names error types in notfound=, as DDD code
// returns NotFoundError{UUID} values matched with errors.As.
package typednotfound

import (
	"context"
	"fmt"
)

// NotFoundError is returned by value for a training that does not exist.
type NotFoundError struct {
	TrainingUUID string
}

func (e NotFoundError) Error() string { return fmt.Sprintf("training '%s' not found", e.TrainingUUID) }

// MissingHourError is returned as a pointer.
type MissingHourError struct {
	Hour int `json:"hour"`
}

func (e *MissingHourError) Error() string { return fmt.Sprintf("hour %d is not available", e.Hour) }

// Training is a training.
type Training struct {
	UUID string `json:"uuid"`
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Trainings reads trainings.
type Trainings interface {
	//cache:expire=60 namespace=trainings notfound=NotFoundError
	GetTraining(ctx context.Context, uuid string) (Training, error)
	//cache:expire=60 namespace=hours notfound=*MissingHourError notfound-expire=10s
	GetHour(ctx context.Context, hour int) (int, error)
	// A batch read may name an error type too; the ids its repository does
	// not return are left out, not cached as not found (no error of the
	// repository's to record).
	//cache:expire=60 namespace=hours notfound=*MissingHourError notfound-expire=10s batch
	GetHours(ctx context.Context, hours []int) (map[int]int, error)
}
