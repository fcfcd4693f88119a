package cache

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
)

// logEvery is the interval of a logLimiter: at most one line per interval
// about repeated faults.
const logEvery = 10 * time.Second

// logLimiter writes warnings about faults so that a store that stays down
// does not flood the log: the first fault is logged at once, those that
// follow within the interval are counted by kind and logged as one summary
// line at the end of the interval. Observers still see every event.
//
// Its methods may be called concurrently. every is set before first use.
type logLimiter struct {
	logger  *slog.Logger
	every   time.Duration
	summary string // the summary's message, before its counts

	mu      sync.Mutex     // guards the fields below
	last    time.Time      // when the last line was written
	held    map[string]int // faults held back since, by kind
	lastErr string         // the last fault held back
	timer   *time.Timer    // writes the summary at the end of the interval; nil if none is due
}

// warn logs msg with args now, or counts it under kind when a line was
// written less than an interval ago. err is the fault, kept for the summary.
func (l *logLimiter) warn(ctx context.Context, kind string, err error, msg string, args ...any) {
	now := time.Now()
	l.mu.Lock()
	if l.timer == nil && now.Sub(l.last) >= l.every {
		l.last = now
		l.mu.Unlock()
		l.logger.WarnContext(ctx, msg, args...)
		return
	}
	if l.held == nil {
		l.held = map[string]int{}
	}
	l.held[kind]++
	l.lastErr = fmt.Sprint(err)
	if l.timer == nil {
		l.timer = time.AfterFunc(l.last.Add(l.every).Sub(now), l.flush)
	}
	l.mu.Unlock()
}

// flush writes the summary of the faults held back, if any.
func (l *logLimiter) flush() {
	l.mu.Lock()
	if l.timer != nil {
		l.timer.Stop()
		l.timer = nil
	}
	if len(l.held) == 0 {
		l.mu.Unlock()
		return
	}
	since, held, lastErr := l.last, l.held, l.lastErr
	l.last, l.held = time.Now(), nil
	l.mu.Unlock()

	kinds := make([]string, 0, len(held))
	total := 0
	for k, n := range held {
		kinds = append(kinds, k)
		total += n
	}
	slices.Sort(kinds)
	var by strings.Builder
	for i, k := range kinds {
		if i > 0 {
			by.WriteByte(' ')
		}
		fmt.Fprintf(&by, "%s=%d", k, held[k])
	}
	l.logger.Warn(l.summary, "count", total, "by", by.String(), "since", since.Format(time.RFC3339), "last_err", lastErr)
}
