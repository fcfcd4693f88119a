package cache

import (
	"context"
	"strings"
	"time"
)

// WithFleetLease turns on stampede protection across processes: on a miss,
// a process takes a lease on the entry (one SET NX, under the entry's hash
// tag, for the versions it read) before calling the repository. The process
// holding it loads and stores the entry; the others read the entry until it
// appears, for at most wait, and then call the repository themselves. So
// about one process loads each entry per version, instead of every process
// that misses it (after each write, a hot key is missed by all of them).
//
// The price is one more round trip on every miss, and a wait of up to one
// load for the processes that do not hold the lease. A lease expires after
// the longer of 5s and twice wait, so a process that dies holding one
// delays the others by wait at most; a process whose load gives nothing to
// store (an error, a value it cannot encode or store) gives the lease up at
// once, and the waiting processes load themselves. The waiting never serves data from
// before a write: a waiting process only takes an entry stored under the
// versions it read. Off by default; wait <= 0 turns it off.
func WithFleetLease(wait time.Duration) Option {
	return func(c *Cache) { c.leaseWait = wait }
}

// leasePoll is the first pause between two reads of an entry a waiting
// process makes; it doubles up to leasePollMax.
const (
	leasePoll    = 2 * time.Millisecond
	leasePollMax = 25 * time.Millisecond
)

// awaitLease takes the lease on entryKey for tokens, or, when another
// process holds it, waits for that process's entry. ok reports that the
// entry arrived (v, or the not-found error of index nf); otherwise the
// caller loads (it holds the lease, or the wait ended, or the holder gave
// it up, or the store failed). release, set when the caller holds the
// lease, gives it up: for a load whose result will not be stored.
func awaitLease[T any](ctx context.Context, m *Method, entryKey string, tokens []string) (v T, payload []byte, nf int, ok bool, release func()) {
	c := m.c
	// Under the entry's hash tag (the first {...} of the key), so it lives
	// in the entry's slot; one lease per versions.
	lease := entryKey + "#lease:" + strings.Join(tokens, ",")
	me := newToken()
	cur, err := c.store.InitVersions(ctx, []string{lease}, []string{me}, []time.Duration{max(5*time.Second, 2*c.leaseWait)})
	if err != nil {
		return v, nil, -1, false, nil
	}
	if cur[0] == me {
		return v, nil, -1, false, func() {
			// Best effort: left alone, the lease expires.
			if err := c.store.Delete(context.WithoutCancel(ctx), []string{lease}); err != nil {
				c.fault(ctx, m, entryKey, "lease", err)
			}
		}
	}
	versions := make([][]byte, len(tokens))
	for i, t := range tokens {
		versions[i] = []byte(t)
	}
	deadline := time.Now().Add(c.leaseWait)
	for pause := leasePoll; time.Now().Before(deadline); pause = min(2*pause, leasePollMax) {
		timer := time.NewTimer(min(pause, time.Until(deadline)))
		select {
		case <-ctx.Done():
			timer.Stop()
			return v, nil, -1, false, nil
		case <-timer.C:
		}
		// The lease lives in the entry's slot: one MGET on Cluster too.
		vals, err := c.store.Get(ctx, []string{entryKey, lease})
		if err != nil {
			return v, nil, -1, false, nil
		}
		if vals[0] == nil {
			if vals[1] == nil || string(vals[1]) != cur[0] {
				return v, nil, -1, false, nil // given up, or expired: load
			}
			continue
		}
		v, payload, nf, current, err := decodeEntry[T](m, vals[0], versions)
		if err == nil && current && nf < len(m.notFound) {
			return v, payload, nf, true, nil
		}
	}
	return v, nil, -1, false, nil
}
