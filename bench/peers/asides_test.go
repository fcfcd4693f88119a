package peers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	gocache "github.com/eko/gocache/lib/v4/cache"
	"github.com/eko/gocache/lib/v4/marshaler"
	gocachestore "github.com/eko/gocache/lib/v4/store"
	gocacheredis "github.com/eko/gocache/store/redis/v4"
	rediscache "github.com/go-redis/cache/v9"
	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
	"github.com/redis/rueidis/rueidisaside"

	"github.com/cachegen/cachegen/cache"
)

// ttl is the lifetime of every entry, local or in Redis.
const ttl = time.Hour

// aside is a key-based cache-aside peer, one instance of it (one process).
type aside interface {
	// get reads key into dst, a pointer; on a miss it calls load and
	// stores its result.
	get(ctx context.Context, key string, dst any, load func() (any, error)) error
	// del makes the next read of key, in every instance, load again (as far
	// as the peer can).
	del(ctx context.Context, key string) error
}

// asidePeer makes instances of a peer.
type asidePeer struct {
	name string
	new  func(tb testing.TB) aside
}

// asidePeers are the peers compared with cachegen; docs/benchmarks-notes.md
// says how each is used.
var asidePeers = []asidePeer{
	{"go-redis-cache", newGoRedisCache(false)},
	{"go-redis-cache+tinylfu", newGoRedisCache(true)},
	{"rueidis-docache", newRueidisDoCache},
	{"rueidisaside", newRueidisAside},
	{"gocache", newGocache},
	{"get+encoding_json", newHandwritten},
}

// goRedisCache is go-redis/cache's Once (a singleflight per key) and
// Delete, with its default encoding (msgpack, s2 above 64 bytes) and, when
// local, its TinyLFU local cache (10k entries, 1h).
type goRedisCache struct{ c *rediscache.Cache }

func newGoRedisCache(local bool) func(tb testing.TB) aside {
	return func(tb testing.TB) aside {
		opt := &rediscache.Options{Redis: goRedis(tb)}
		if local {
			opt.LocalCache = rediscache.NewTinyLFU(10000, ttl)
		}
		return goRedisCache{rediscache.New(opt)}
	}
}

func (g goRedisCache) get(ctx context.Context, key string, dst any, load func() (any, error)) error {
	return g.c.Once(&rediscache.Item{Ctx: ctx, Key: key, Value: dst, TTL: ttl,
		Do: func(*rediscache.Item) (any, error) { return load() }})
}

func (g goRedisCache) del(ctx context.Context, key string) error { return g.c.Delete(ctx, key) }

// rueidisDoCache is a hand-written cache-aside over rueidis's client-side
// cache: DoCache(GET), on a miss SET, and DEL, whose invalidation Redis
// pushes to every client tracking the key.
type rueidisDoCache struct{ c rueidis.Client }

func newRueidisDoCache(tb testing.TB) aside {
	c, err := rueidis.NewClient(rueidisOptions(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return rueidisDoCache{c}
}

func (r rueidisDoCache) get(ctx context.Context, key string, dst any, load func() (any, error)) error {
	data, err := r.c.DoCache(ctx, r.c.B().Get().Key(key).Cache(), ttl).AsBytes()
	if err == nil {
		return cache.JSON.Unmarshal(data, dst)
	}
	if !rueidis.IsRedisNil(err) {
		return err
	}
	return loadStore(dst, load, func(data []byte) error {
		return r.c.Do(ctx, r.c.B().Set().Key(key).Value(rueidis.BinaryString(data)).Ex(ttl).Build()).Error()
	}, cache.JSON.Marshal)
}

func (r rueidisDoCache) del(ctx context.Context, key string) error {
	return r.c.Do(ctx, r.c.B().Del().Key(key).Build()).Error()
}

// rueidisAside is rueidisaside's Get (a placeholder lock in Redis, set
// only if still held, over client-side caching) and Del.
type rueidisAside struct{ c rueidisaside.CacheAsideClient }

func newRueidisAside(tb testing.TB) aside {
	c, err := rueidisaside.NewClient(rueidisaside.ClientOption{ClientOption: rueidisOptions(tb)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return rueidisAside{c}
}

func (r rueidisAside) get(ctx context.Context, key string, dst any, load func() (any, error)) error {
	s, err := r.c.Get(ctx, ttl, key, func(ctx context.Context, key string) (string, error) {
		v, err := load()
		if err != nil {
			return "", err
		}
		data, err := cache.JSON.Marshal(v)
		return string(data), err
	})
	if err != nil {
		return err
	}
	return cache.JSON.Unmarshal([]byte(s), dst)
}

func (r rueidisAside) del(ctx context.Context, key string) error { return r.c.Del(ctx, key) }

// gocacheAside is gocache's marshaler (msgpack) over its go-redis store:
// Get, Set on a miss, Delete.
type gocacheAside struct{ m *marshaler.Marshaler }

func newGocache(tb testing.TB) aside {
	store := gocacheredis.NewRedis(goRedis(tb), gocachestore.WithExpiration(ttl))
	return gocacheAside{marshaler.New(gocache.New[any](store))}
}

func (g gocacheAside) get(ctx context.Context, key string, dst any, load func() (any, error)) error {
	_, err := g.m.Get(ctx, key, dst)
	if err == nil || !errors.Is(err, gocachestore.NotFound{}) {
		return err
	}
	v, err := load()
	if err != nil {
		return err
	}
	if err := g.m.Set(ctx, key, v, gocachestore.WithExpiration(ttl)); err != nil {
		return err
	}
	return assign(dst, v)
}

func (g gocacheAside) del(ctx context.Context, key string) error { return g.m.Delete(ctx, key) }

// handwritten is what a cache written by hand does: GET and encoding/json;
// on a miss, load and SET; DEL after a write.
type handwritten struct{ c *redis.Client }

func newHandwritten(tb testing.TB) aside { return handwritten{goRedis(tb)} }

func (h handwritten) get(ctx context.Context, key string, dst any, load func() (any, error)) error {
	data, err := h.c.Get(ctx, key).Bytes()
	if err == nil {
		return json.Unmarshal(data, dst)
	}
	if !errors.Is(err, redis.Nil) {
		return err
	}
	return loadStore(dst, load, func(data []byte) error {
		return h.c.Set(ctx, key, data, ttl).Err()
	}, json.Marshal)
}

func (h handwritten) del(ctx context.Context, key string) error { return h.c.Del(ctx, key).Err() }

// loadStore is a miss: load, encode, store, and give the caller the value.
func loadStore(dst any, load func() (any, error), store func([]byte) error, marshal func(any) ([]byte, error)) error {
	v, err := load()
	if err != nil {
		return err
	}
	data, err := marshal(v)
	if err != nil {
		return err
	}
	if err := store(data); err != nil {
		return err
	}
	return assign(dst, v)
}

// assign sets *dst to v, of the type dst points to.
func assign(dst, v any) error {
	d := reflect.ValueOf(dst).Elem()
	val := reflect.ValueOf(v)
	if val.Type() != d.Type() {
		return fmt.Errorf("loaded a %T into a %T", v, dst)
	}
	d.Set(val)
	return nil
}
