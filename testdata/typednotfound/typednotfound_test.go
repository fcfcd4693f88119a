package typednotfound

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

type repo struct{ calls int }

func (r *repo) GetTraining(ctx context.Context, uuid string) (Training, error) {
	r.calls++
	return Training{}, fmt.Errorf("getting training: %w", NotFoundError{TrainingUUID: uuid})
}

func (r *repo) GetHour(ctx context.Context, hour int) (int, error) {
	r.calls++
	return 0, &MissingHourError{Hour: hour}
}

// TestTypedNotFound: an error of a notfound= type is cached; the cached
// outcome is an error with the same message that errors.As matches, with
// the value's fields.
func TestTypedNotFound(t *testing.T) {
	ctx := context.Background()
	r := &repo{}
	c := NewCachedTrainings(r, cache.New(cache.NewMemoryStore()))
	var msgs []string
	for range 2 {
		_, err := c.GetTraining(ctx, "abc")
		var nf NotFoundError
		if !errors.As(err, &nf) || nf.TrainingUUID != "abc" {
			t.Fatalf("GetTraining: %v (errors.As gives %+v)", err, nf)
		}
		msgs = append(msgs, err.Error())
		_, err = c.GetHour(ctx, 7)
		var mh *MissingHourError
		if !errors.As(err, &mh) || mh.Hour != 7 {
			t.Fatalf("GetHour: %v (errors.As gives %+v)", err, mh)
		}
		msgs = append(msgs, err.Error())
	}
	if r.calls != 2 {
		t.Fatalf("%d repository calls for 2 misses and 2 cached not-found outcomes, want 2", r.calls)
	}
	if msgs[0] != msgs[2] || msgs[1] != msgs[3] || msgs[0] != "getting training: training 'abc' not found" {
		t.Fatalf("messages %q: a cached outcome must keep the load's message", msgs)
	}
}
