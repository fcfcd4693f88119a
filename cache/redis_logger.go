package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// RedisLogger writes go-redis's own log lines (connection pool failures
// and the like, unstructured) to a slog.Logger at level Warn, as the cache
// writes its faults: the first of a run at once, the others as one summary
// line per 10 seconds, with their count. go-redis's logger is global, so the
// cache does not install it; do it once at start-up:
//
//	redis.SetLogger(cache.NewRedisLogger(slog.Default()))
type RedisLogger struct {
	limiter logLimiter
}

// NewRedisLogger returns a [RedisLogger] writing to l.
func NewRedisLogger(l *slog.Logger) *RedisLogger {
	return &RedisLogger{limiter: logLimiter{logger: l, every: logEvery,
		summary: "go-redis: messages held back since the last line"}}
}

// Printf implements go-redis's logging interface (redis.SetLogger).
func (r *RedisLogger) Printf(ctx context.Context, format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	r.limiter.warn(ctx, "redis", errors.New(msg), "go-redis: "+msg)
}

// flush writes the summary of the lines held back, if any.
func (r *RedisLogger) flush() { r.limiter.flush() }
