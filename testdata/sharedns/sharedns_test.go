// Package sharedns tests that package trainer's writes invalidate package
// trainings' entries.
package sharedns

import (
	"context"
	"testing"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/testdata/sharedns/trainer"
	"github.com/cachegen/cachegen/testdata/sharedns/trainings"
)

type store struct{ reads int }

func (s *store) GetTraining(ctx context.Context, uuid string) (trainings.Training, error) {
	s.reads++
	return trainings.Training{UUID: uuid}, nil
}

func (s *store) CountTrainings(ctx context.Context) (int, error)               { return 1, nil }
func (s *store) CancelTraining(ctx context.Context, trainingUUID string) error { return nil }

func TestCancelInvalidatesTheTraining(t *testing.T) {
	ctx := context.Background()
	c := cache.New(cache.NewMemoryStore())
	s := &store{}
	w, r := trainer.NewCachedRepository(s, c), trainings.NewCachedRepository(s, c)
	r.GetTraining(ctx, "a")
	r.GetTraining(ctx, "b")
	w.CancelTraining(ctx, "a")
	r.GetTraining(ctx, "a")
	r.GetTraining(ctx, "b")
	if s.reads != 3 {
		t.Fatalf("%d reads, want 3 (a again after its cancellation)", s.reads)
	}
}
