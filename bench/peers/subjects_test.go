package peers

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/cachegen/cachegen/cache"
)

// subject is one cache under benchmark, one instance of it.
type subject struct {
	one  func(ctx context.Context, id int64) (Book, error) // the Book of id
	list func(ctx context.Context) ([]Book, error)         // 100 Books, one entry
	// listKey returns the Redis key of list's entry, once list has run.
	listKey func() string
}

// subjectMaker is a named way to make subjects.
type subjectMaker struct {
	name string
	new  func(tb testing.TB) subject
}

// subjects lists cachegen, plain and compressed, then every peer.
func subjects() []subjectMaker {
	out := []subjectMaker{
		{"cachegen", cachegenSubject()},
		{"cachegen+s2", cachegenSubject(cache.WithCompression(cache.S2, 1024))},
		{"cachegen+near", cachegenSubject(cache.WithNearCache(cache.NearCache{}))},
		{"cachegen+tracked", cachegenSubject(cache.WithNearCache(cache.NearCache{Tracked: true}))},
	}
	for _, p := range asidePeers {
		out = append(out, subjectMaker{p.name, asideSubject(p.new)})
	}
	return out
}

// newCachegen returns a Cache of its own (its own client) over the Redis,
// under prefix.
func newCachegen(tb testing.TB, prefix string, opts ...cache.Option) *cache.Cache {
	c := cache.New(cache.NewRedisStore(goRedis(tb)), append([]cache.Option{cache.WithPrefix(prefix)}, opts...)...)
	tb.Cleanup(func() { c.Close() })
	return c
}

func cachegenSubject(opts ...cache.Option) func(tb testing.TB) subject {
	return func(tb testing.TB) subject {
		var key atomic.Pointer[string]
		opts := append(opts, cache.WithObserver(func(_ context.Context, e cache.Event) {
			if e.Kind == cache.EventMiss && e.Method == "Repo.List" {
				key.Store(&e.Key)
			}
		}))
		repo := NewCachedRepo(Fake{}, newCachegen(tb, newPrefix(), opts...))
		return subject{
			one:     repo.One,
			list:    func(ctx context.Context) ([]Book, error) { return repo.List(ctx, 100) },
			listKey: func() string { return *key.Load() },
		}
	}
}

func asideSubject(newAside func(tb testing.TB) aside) func(tb testing.TB) subject {
	return func(tb testing.TB) subject {
		a, prefix := newAside(tb), newPrefix()
		listKey := prefix + ":books:100"
		return subject{
			one: func(ctx context.Context, id int64) (Book, error) {
				var b Book
				err := a.get(ctx, prefix+":book:"+strconv.FormatInt(id, 10), &b, func() (any, error) { return Fake{}.One(ctx, id) })
				return b, err
			},
			list: func(ctx context.Context) ([]Book, error) {
				var bs []Book
				err := a.get(ctx, listKey, &bs, func() (any, error) { return Fake{}.List(ctx, 100) })
				return bs, err
			},
			listKey: func() string { return listKey },
		}
	}
}
