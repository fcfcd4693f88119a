package cache

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// testClientOptions are go-redis options that fail fast, for tests.
func testClientOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:                     addr,
		DialTimeout:              300 * time.Millisecond,
		ReadTimeout:              300 * time.Millisecond,
		WriteTimeout:             300 * time.Millisecond,
		MaxRetries:               -1,
		DialerRetries:            1, // 0 means the default, 5 tries 100ms apart
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
}

// testRedis returns a client for the Redis named by CACHEGEN_REDIS_URL, or
// for a miniredis started for the test (returned, else nil).
func testRedis(t testing.TB) (redis.UniversalClient, *miniredis.Miniredis) {
	t.Helper()
	if url := os.Getenv("CACHEGEN_REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatalf("CACHEGEN_REDIS_URL: %v", err)
		}
		opt.MaxRetries = -1
		// Generous for a loaded machine, and short of the second that
		// draws New's warning about slow client options.
		opt.ReadTimeout = 900 * time.Millisecond
		opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
		client := redis.NewClient(opt)
		t.Cleanup(func() { client.Close() })
		if err := client.Ping(context.Background()).Err(); err != nil {
			t.Fatalf("CACHEGEN_REDIS_URL=%s: %v", url, err)
		}
		return client, nil
	}
	mr := miniredis.RunT(t)
	client := redis.NewClient(testClientOptions(mr.Addr()))
	t.Cleanup(func() { client.Close() })
	return client, mr
}

var prefixSeq atomic.Int64

// testPrefix returns a key prefix of the test's own, so tests sharing a real
// Redis never see each other's keys.
func testPrefix(t testing.TB) string {
	name := strings.NewReplacer("/", ".", " ", "_", "{", "", "}", "", "*", "", "?", "", "[", "", "]", "").Replace(t.Name())
	return fmt.Sprintf("cgtest:%s:%d.%d", name, time.Now().UnixNano(), prefixSeq.Add(1))
}

// storeCase is a store under test.
type storeCase struct {
	name  string
	store func(t *testing.T) Store
}

// stores lists the stores every protocol test runs against.
var stores = []storeCase{
	{"memory", func(t *testing.T) Store { return NewMemoryStore() }},
	{"redis", func(t *testing.T) Store { c, _ := testRedis(t); return NewRedisStore(c) }},
}

// eventLog counts observer events by kind.
type eventLog struct {
	counts [EventRefresh + 1]atomic.Int64
	last   atomic.Pointer[Event]
}

func (l *eventLog) observe(_ context.Context, e Event) {
	l.counts[e.Kind].Add(1)
	l.last.Store(&e)
}

func (l *eventLog) n(k EventKind) int64 { return l.counts[k].Load() }

// book is a result type for tests.
type book struct {
	ID     int64    `json:"id"`
	Title  string   `json:"title"`
	Tags   []string `json:"tags"`
	Edited int      `json:"edited"`
}

// repo is a fake repository that counts its loads.
type repo struct {
	loads atomic.Int64
	title atomic.Pointer[string]
}

func newRepo(title string) *repo {
	r := &repo{}
	r.title.Store(&title)
	return r
}

func (r *repo) get(_ context.Context, id int64) (book, error) {
	r.loads.Add(1)
	return book{ID: id, Title: *r.title.Load(), Tags: []string{"a", "b"}}, nil
}

// getBook is what a generated wrapper does for GetBook(ctx, id), whose
// namespace templates, if any, name id ("book:{id}").
func getBook(ctx context.Context, m *Method, r *repo, id int64) (book, error) {
	k := m.Key()
	if m != nil && m.templated {
		for _, sp := range m.spaces {
			if sp.members > 0 {
				k.Member()
				k.Int(id)
			}
		}
		k.Args()
	}
	k.Int(id)
	return Fetch(ctx, m, k, func(ctx context.Context) (book, error) { return r.get(ctx, id) })
}

// settle waits until c has stored the entries of the misses that returned:
// a miss returns before its entry is stored.
func settle(t testing.TB, c *Cache) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if !c.flights.waitStores(ctx) {
		t.Fatal("entries still being stored after 5s")
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
