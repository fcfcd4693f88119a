package cache

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache/internal/redistest"
	"github.com/cachegen/cachegen/cache/internal/regcheck"
)

// TestRegularRegisterAcrossProcesses records histories of reads and writes
// made by separate OS processes (this test binary started again, with
// registerEnv set), each with its own Cache over one real Redis and one
// linearizable database (a registerDB served by this process), and checks
// that every key behaves as a regular register (see package regcheck):
// each read returns the last write completed before it began, or a
// concurrent one. Writes go through wrappers like the generated ones
// (commit, then invalidate), reads through Fetch; see registerModes.
//
// The clock. The checker compares instants recorded by different
// processes, so they need one clock. Go's monotonic readings count from
// each process's start and cannot be compared across processes, and the
// wall clock alone may be stepped at any moment. So each process reads the
// wall clock once, at its start, for its distance from the parent's start
// instant (passed in its registerConfig), and from then on adds the
// progress of its monotonic clock. On Linux every process of a machine
// reads the same CLOCK_REALTIME and CLOCK_MONOTONIC (NTP slews both alike),
// whose difference changes only when the wall clock is stepped; so the
// stamps of all processes are on one clock, to within the nanoseconds
// between the two readings of a time.Now (other systems were not checked).
// A step between the parent's start and a process's would shift that
// process's stamps: each process, and the parent over the whole run,
// compare how far the wall and monotonic clocks advanced, and the test
// refuses to judge a run where they differ by more than 100µs. Each
// operation's invocation is stamped before it starts and its completion
// after it returns: the recorded intervals contain the real ones, which can
// only hide a stale read from the checker, never invent one.
//
// The harness must be able to fail: over broken wrappers (registerBroken),
// the checker must report stale reads.
//
// The tracked near cache promises less across processes (guarantee 21):
// exact in the writing process, and elsewhere up to the delay of Redis's
// invalidation push. Its histories are checked strictly for each process's
// own writes, and within a lag of one second for the others'; the stale
// reads the strict check counts are logged.
func TestRegularRegisterAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("multi-process harness; runs without -short")
	}
	redisURL := os.Getenv("CACHEGEN_REDIS_URL")
	if redisURL == "" {
		// Tracking needs a real Redis: start one of the test's own.
		redisURL = "redis://" + redistest.Start(t).Addr() + "/0"
	}
	strict := regcheck.Options{}
	for _, mode := range registerBroken {
		t.Run(mode, func(t *testing.T) {
			// A few tries for a machine too loaded to make early's race.
			var run registerRun
			var res regcheck.Result
			for try := 0; try < 3 && (try == 0 || res.Stale == 0); try++ {
				run = runRegisterProcesses(t, redisURL, mode)
				res = regcheck.Check(run.ops, strict)
				t.Logf("%s: %v", mode, describeRegister(run, res))
			}
			if res.Stale == 0 {
				t.Fatalf("the checker saw no stale read over a broken wrapper (%s): the harness cannot fail: %v", mode, describeRegister(run, res))
			}
		})
	}
	for _, mode := range registerModes {
		t.Run(mode, func(t *testing.T) {
			run := runRegisterProcesses(t, redisURL, mode)
			opts := strict
			if mode == "tracked" {
				own := regcheck.Check(run.ops, regcheck.Options{SameProcess: true})
				t.Logf("tracked, each process's own writes: %v", describeRegister(run, own))
				failOnViolations(t, own)
				opts.Lag = int64(time.Second)
			}
			res := regcheck.Check(run.ops, opts)
			t.Logf("%s: %v", mode, describeRegister(run, res))
			failOnViolations(t, res)
			// A fault sends a read to the database, which the check
			// covers as well; on a loaded machine a few time out.
			if run.storeErrors > 0 {
				t.Logf("%d store errors, the last: %s", run.storeErrors, run.lastError)
			}
			if run.hits == 0 || run.storeErrors > run.hits {
				t.Fatalf("%d hits, %d store errors: the harness did not exercise the cache", run.hits, run.storeErrors)
			}
			if (mode == "near" || mode == "tracked") && run.nearHits == 0 {
				t.Fatalf("no near-cache hit: the harness did not exercise the near cache")
			}
			if mode == "refresh" && run.refreshes == 0 {
				t.Fatalf("no entry refreshed early: the harness did not exercise early refresh")
			}
			if mode == "tracked" && run.trackedInvalidations == 0 {
				t.Fatalf("no tracked invalidation reached a process: the harness did not exercise the tracking")
			}
		})
	}
}

// Sizes of one run: processes, goroutines in each, operations per
// goroutine at most, and how long at most; but each goroutine goes on
// until it has done registerMinOps, for up to registerMaxTime.
const (
	registerProcs    = 3
	registerWorkers  = 3
	registerOps      = 1500
	registerDuration = 600 * time.Millisecond
	registerMinOps   = 50
	registerMaxTime  = 5 * time.Second
)

// registerRun is the gathered result of one run's processes.
type registerRun struct {
	ops                                                          []regcheck.Op
	hits, nearHits, trackedInvalidations, refreshes, storeErrors int64
	lastError                                                    string
}

// runRegisterProcesses runs registerProcs processes in mode against a new
// database and a new key prefix, and gathers their histories.
func runRegisterProcesses(t *testing.T, redisURL, mode string) registerRun {
	t.Helper()
	start := time.Now()
	cfg := registerConfig{Mode: mode, Redis: redisURL, Prefix: testPrefix(t), DB: startRegisterDB(t, registerProcs),
		Start: start.UnixNano(), Workers: registerWorkers, Ops: registerOps, Duration: registerDuration,
		MinOps: registerMinOps, MaxTime: registerMaxTime}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type done struct {
		out []byte
		err error
	}
	results := make([]chan done, registerProcs)
	for i := range registerProcs {
		c := cfg
		c.Proc, c.Out = i, filepath.Join(dir, "history"+strconv.Itoa(i)+".json")
		env, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestRegisterProcess$", "-test.count=1", "-test.timeout=30s")
		cmd.Env = append(os.Environ(), registerEnv+"="+string(env))
		results[i] = make(chan done, 1)
		go func() {
			out, err := cmd.CombinedOutput()
			results[i] <- done{out, err}
		}()
	}
	var run registerRun
	for i := range registerProcs {
		if d := <-results[i]; d.err != nil {
			t.Fatalf("process %d: %v\n%s", i, d.err, d.out)
		}
		b, err := os.ReadFile(filepath.Join(dir, "history"+strconv.Itoa(i)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		var rep registerReport
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatal(err)
		}
		if rep.Drift > 100*time.Microsecond || rep.Drift < -100*time.Microsecond {
			t.Fatalf("process %d: the wall clock was stepped by %v during its run: its stamps cannot be compared", i, -rep.Drift)
		}
		run.ops = append(run.ops, rep.Ops...)
		run.hits += rep.Hits
		run.refreshes += rep.Refreshes
		run.nearHits += rep.NearHits
		run.trackedInvalidations += rep.TrackedInvalidations
		run.storeErrors += rep.StoreErrors
		if rep.LastError != "" {
			run.lastError = rep.LastError
		}
	}
	end := time.Now()
	if d := clockDrift(start, end); d > 100*time.Microsecond || d < -100*time.Microsecond {
		t.Fatalf("the wall clock was stepped by %v during the run: the processes' stamps cannot be compared", -d)
	}
	t.Logf("%d processes for %v", registerProcs, end.Sub(start).Round(time.Millisecond))
	return run
}

// describeRegister sums up a run and what the checker found.
func describeRegister(run registerRun, res regcheck.Result) string {
	return strconv.Itoa(res.Reads) + " reads and " + strconv.Itoa(res.Writes) + " writes of " + strconv.Itoa(res.Keys) + " keys; " +
		strconv.Itoa(res.Stale) + " stale (max staleness " + time.Duration(res.MaxStaleness).String() + "), " +
		strconv.Itoa(len(res.Violations)) + " violations; " +
		strconv.FormatInt(run.hits, 10) + " hits (" + strconv.FormatInt(run.nearHits, 10) + " near), " +
		strconv.FormatInt(run.trackedInvalidations, 10) + " tracked invalidations, " + strconv.FormatInt(run.refreshes, 10) + " refreshes"
}

// failOnViolations fails with the first few violations of res.
func failOnViolations(t *testing.T, res regcheck.Result) {
	t.Helper()
	for i, v := range res.Violations {
		if i == 5 {
			break
		}
		t.Errorf("%v (%v)", v, time.Duration(v.Staleness))
	}
	if len(res.Violations) > 0 {
		t.FailNow()
	}
}
