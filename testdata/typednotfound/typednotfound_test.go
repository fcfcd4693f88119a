package typednotfound

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
)

type repo struct {
	calls int
	asked [][]int // the hours of each GetHours call
}

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

// GetHours returns the hours it holds: 9 only.
func (r *repo) GetHours(ctx context.Context, hours []int) (map[int]int, error) {
	r.calls++
	r.asked = append(r.asked, hours)
	out := map[int]int{}
	for _, h := range hours {
		if h == 9 {
			out[h] = 90
		}
	}
	return out, nil
}

// TestBatchTypedNotFound: a batch read naming an error type caches the
// hours its repository returns and leaves the others out, asking for them
// again: it has no error of the repository's to record for them.
func TestBatchTypedNotFound(t *testing.T) {
	ctx := context.Background()
	r := &repo{}
	c := NewCachedTrainings(r, cache.New(cache.NewMemoryStore()))
	for round := range 2 {
		got, err := c.GetHours(ctx, []int{9, 10})
		if err != nil || len(got) != 1 || got[9] != 90 {
			t.Fatalf("round %d: %v, %v; want map[9:90]", round, got, err)
		}
		time.Sleep(20 * time.Millisecond) // the entries are stored after the call returns
	}
	if fmt.Sprint(r.asked) != "[[9 10] [10]]" {
		t.Fatalf("the repository was asked for %v, want [[9 10] [10]]: hour 9 cached, hour 10 asked for again", r.asked)
	}
}
