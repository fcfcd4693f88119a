package cache

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// fullQuiet is how long Redis must go without refusing a write for lack of
// memory before a refusal is reported as full again.
const fullQuiet = time.Minute

// fullReport tells when Redis's refusals of writes for lack of memory (OOM:
// maxmemory reached under noeviction) start, so that they are reported
// once, not once per refused write.
type fullReport struct {
	last atomic.Int64 // when the last refusal came, in Unix nanoseconds; 0: none yet
}

// refused records a refusal at now and reports whether it starts a run of
// them: the first, or the first after fullQuiet without any.
func (f *fullReport) refused(now time.Time) bool {
	n := now.UnixNano()
	prev := f.last.Swap(n)
	return prev == 0 || n-prev >= int64(fullQuiet)
}

// outOfMemory reports whether err is Redis refusing a write for lack of
// memory.
func outOfMemory(err error) bool {
	return redis.HasErrorPrefix(err, "OOM")
}

// noteFull reports, once per run of refusals, that Redis refuses the
// cache's writes for lack of memory: to the observer (an EventError with op
// "full") and to the logger, at level Warn, past the limiter of faults. The
// refused writes are reported as faults as well.
func (c *Cache) noteFull(ctx context.Context, err error) {
	if !outOfMemory(err) || !c.full.refused(time.Now()) {
		return
	}
	c.emit(ctx, Event{Kind: EventError, Op: "full", Err: err})
	c.logger.WarnContext(ctx, "cachegen: Redis is out of memory and refuses the cache's writes (maxmemory reached under maxmemory-policy noeviction): new entries are not stored and reads go to the repository; give Redis more memory or set maxmemory-policy allkeys-lru",
		"err", err)
}
