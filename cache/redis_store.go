package cache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/redis/go-redis/v9"
)

// redisStore is the [Store] over a go-redis client.
type redisStore struct {
	client redis.UniversalClient
	// answeredOnce is set after the first successful read, when a cluster
	// client has loaded the cluster's layout: before, naming a key's
	// master could wait on the network.
	answeredOnce atomic.Bool
	// single is set for a client of one Redis (not a cluster or a ring):
	// keys of any hash tags are read with one MGET.
	single bool
}

// NewRedisStore returns a [Store] over client: a *redis.Client, a
// *redis.ClusterClient or a failover client. Keys that share a namespace share
// a hash tag, so a read is one MGET per Redis Cluster slot involved, sent in
// one pipeline.
//
// When the client's options let a read wait a second or more on a hung
// Redis (go-redis's defaults: ReadTimeout 3s, 5s from v9.22 on, 3 retries,
// context deadlines ignored on the socket: 12s or 20s a read), [New] logs
// one warning naming the options to set; [RedisOptions] and
// [RedisClusterOptions] give suitable ones.
func NewRedisStore(client redis.UniversalClient) Store {
	_, single := client.(*redis.Client)
	return &redisStore{client: client, single: single}
}

// nodeFunc returns the function naming the master that holds a key, for the
// per-master breakers, or nil for a client that is not a cluster client.
func (s *redisStore) nodeFunc() func(string) string {
	cluster, ok := s.client.(*redis.ClusterClient)
	if !ok {
		return nil
	}
	return func(key string) string {
		if !s.answeredOnce.Load() {
			return ""
		}
		c, err := cluster.MasterForKey(context.Background(), key)
		if err != nil {
			return ""
		}
		return c.Options().Addr
	}
}

// optionsWarning returns a warning when the client's options let a read
// wait a second or more on a hung Redis, whatever the caller's deadline and
// the cache's store timeout, or "" when they do not.
func (s *redisStore) optionsWarning() string {
	var ctxTimeout bool
	var read time.Duration
	var retries, redirects int
	switch c := s.client.(type) {
	case *redis.Client:
		o := c.Options()
		ctxTimeout, read, retries = o.ContextTimeoutEnabled, o.ReadTimeout, o.MaxRetries
	case *redis.ClusterClient:
		o := c.Options()
		ctxTimeout, read, retries, redirects = o.ContextTimeoutEnabled, o.ReadTimeout, o.MaxRetries, o.MaxRedirects
	default:
		return ""
	}
	if ctxTimeout {
		return "" // the store timeout bounds every read
	}
	// go-redis has normalised the options: no retries reads 0 (-1 on a
	// cluster), and a ReadTimeout of 0 or less waits forever.
	tries := time.Duration((max(retries, 0) + 1) * (max(redirects, 0) + 1))
	if read > 0 && read*tries < time.Second {
		return ""
	}
	wait := "forever"
	if read > 0 {
		wait = (read * tries).String()
	}
	msg := "cachegen: the Redis client's options let a read wait " + wait + " on a hung Redis, whatever the caller's deadline: " +
		"set ContextTimeoutEnabled: true (the cache's store timeout then bounds every call), ReadTimeout 100ms and MaxRetries -1"
	if _, ok := s.client.(*redis.ClusterClient); ok {
		return msg + " and MaxRedirects 1, or use cache.RedisClusterOptions"
	}
	return msg + ", or use cache.RedisOptions or cache.ParseRedisURL"
}

// Get implements [Store]: one MGET on a single Redis; on a cluster, one
// MGET per hash tag, pipelined when there are several.
func (s *redisStore) Get(ctx context.Context, keys []string) ([][]byte, error) {
	if s.single || sameHashTag(keys) {
		var vals []any
		var out [][]byte // where the values go; nil: a slice of their own
		var err error
		if s.single {
			vals, out, err = mget(ctx, s.client, keys)
		} else {
			vals, err = s.client.MGet(ctx, keys...).Result()
		}
		if err != nil {
			return nil, err
		}
		if !s.answeredOnce.Load() {
			s.answeredOnce.Store(true)
		}
		return toBytesIn(out, vals, len(keys))
	}
	groups := groupByHashTag(keys)
	pipe := s.client.Pipeline()
	cmds := make([]*redis.SliceCmd, len(groups))
	for i, g := range groups {
		ks := make([]string, len(g))
		for j, idx := range g {
			ks[j] = keys[idx]
		}
		cmds[i] = pipe.MGet(ctx, ks...)
	}
	if cmds, err := pipe.Exec(ctx); err != nil {
		return nil, pipelineError(err, cmds)
	}
	if !s.answeredOnce.Load() {
		s.answeredOnce.Store(true)
	}
	out := make([][]byte, len(keys))
	for i, g := range groups {
		vals, err := toBytes(cmds[i].Val(), len(g))
		if err != nil {
			return nil, err
		}
		for j, idx := range g {
			out[idx] = vals[j]
		}
	}
	return out, nil
}

// Set implements [Store].
func (s *redisStore) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return s.client.Set(ctx, key, value, ttl).Err()
}

// SetVersions implements [Store] with pipelined SETs.
func (s *redisStore) SetVersions(ctx context.Context, keys, values []string, ttls []time.Duration) error {
	if len(keys) == 1 {
		return s.client.Set(ctx, keys[0], values[0], ttlAt(ttls, 0)).Err()
	}
	cmds, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			p.Set(ctx, k, values[i], ttlAt(ttls, i))
		}
		return nil
	})
	return pipelineError(err, cmds)
}

// InitVersions implements [Store] with a pipeline of SET NX and GET per key.
// A key of another type than string reads as "", which is no token: the
// cache replaces it.
func (s *redisStore) InitVersions(ctx context.Context, keys, values []string, ttls []time.Duration) ([]string, error) {
	pipe := s.client.Pipeline()
	sets := make([]*redis.BoolCmd, len(keys))
	gets := make([]*redis.StringCmd, len(keys))
	for i, k := range keys {
		sets[i] = pipe.SetNX(ctx, k, values[i], ttlAt(ttls, i))
		gets[i] = pipe.Get(ctx, k)
	}
	if cmds, err := pipe.Exec(ctx); err != nil && !answered(err) {
		return nil, pipelineError(err, cmds)
	}
	out := make([]string, len(keys))
	for i, g := range gets {
		v, err := g.Result()
		switch {
		case redis.HasErrorPrefix(err, "WRONGTYPE"):
		case errors.Is(err, redis.Nil) && sets[i].Err() != nil:
			// Redis refused to create the key (NOPERM, OOM): report why.
			return nil, fmt.Errorf("cache: version key %s: SET NX: %w", keys[i], sets[i].Err())
		case err != nil:
			// redis.Nil here means the key vanished between SET NX and GET
			// (eviction): report it, the caller goes to the repository.
			return nil, fmt.Errorf("cache: version key %s: %w", keys[i], err)
		default:
			out[i] = v
		}
	}
	return out, nil
}

// Delete implements [Store] with DEL, one per key in a pipeline when there
// are several (they may live in several Redis Cluster slots).
func (s *redisStore) Delete(ctx context.Context, keys []string) error {
	if len(keys) == 1 {
		return s.client.Del(ctx, keys[0]).Err()
	}
	cmds, err := s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Del(ctx, k)
		}
		return nil
	})
	return pipelineError(err, cmds)
}

// pipelineError returns the error of a pipeline naming, for the per-master
// breakers, the keys of the commands that got no reply from Redis.
func pipelineError(err error, cmds []redis.Cmder) error {
	if err == nil || answered(err) {
		return err
	}
	var keys []string
	for _, c := range cmds {
		if e := c.Err(); e != nil && !answered(e) {
			if k, ok := c.Args()[1].(string); ok {
				keys = append(keys, k)
			}
		}
	}
	return &failedKeys{keys: keys, err: err}
}

// answered reports whether err is a reply of Redis (OOM, WRONGTYPE,
// LOADING, ...) rather than a failure to reach it in time.
func answered(err error) bool {
	if err == nil {
		return false // and no allocation for errors.As's target
	}
	var re redis.Error
	return errors.As(err, &re)
}

// toBytes converts an MGET reply to byte slices, nil for missing keys.
func toBytes(vals []any, n int) ([][]byte, error) { return toBytesIn(nil, vals, n) }

// toBytesIn is toBytes into out, of length n, unless out is nil.
func toBytesIn(out [][]byte, vals []any, n int) ([][]byte, error) {
	if len(vals) != n {
		return nil, fmt.Errorf("cache: MGET returned %d values for %d keys", len(vals), n)
	}
	if out == nil {
		out = make([][]byte, n)
	}
	for i, v := range vals {
		switch v := v.(type) {
		case nil:
		case string:
			// Share the reply's bytes instead of copying them: callers only
			// read them (see Store.Get), and the decoders copy what they keep.
			out[i] = unsafe.Slice(unsafe.StringData(v), len(v))
		default:
			return nil, fmt.Errorf("cache: MGET returned %T", v)
		}
	}
	return out, nil
}

// sameHashTag reports whether all keys hash by the same tag (one slot).
func sameHashTag(keys []string) bool {
	first := hashTag(keys[0])
	for _, k := range keys[1:] {
		if hashTag(k) != first {
			return false
		}
	}
	return true
}

// groupByHashTag returns the indexes of keys grouped by Redis Cluster hash
// tag, in order of first appearance.
func groupByHashTag(keys []string) [][]int {
	var tags []string
	var groups [][]int
outer:
	for i, k := range keys {
		t := hashTag(k)
		for g, tag := range tags {
			if tag == t {
				groups[g] = append(groups[g], i)
				continue outer
			}
		}
		tags = append(tags, t)
		groups = append(groups, []int{i})
	}
	return groups
}

// hashTag returns the part of key that Redis Cluster hashes: the content of
// the first {...} when it is not empty, else the whole key.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// mget is client.MGet(ctx, keys...).Result() for a client of one Redis,
// with the command and its arguments in one allocation instead of four
// (the command, the slice, and each key boxed in an interface): for the
// hot path's reads, of one or two version keys and the entry. out, of the
// length of keys, is where toBytesIn puts the values, in the same
// allocation, or nil. None of it is reused: a go-redis hook may keep a
// command or its arguments (TestNearHitReadsOnlyTheVersions's does), and
// the cache the values.
func mget(ctx context.Context, client redis.UniversalClient, keys []string) (vals []any, out [][]byte, err error) {
	switch n := len(keys); {
	case n <= 2: // one namespace: its version and the entry
		a := new(mgetArgs2)
		return sendMGet(ctx, client, &a.cmd, a.args[:], a.keys[:], a.out[:], keys)
	case n <= 4:
		a := new(mgetArgs4)
		return sendMGet(ctx, client, &a.cmd, a.args[:], a.keys[:], a.out[:], keys)
	}
	vals, err = client.MGet(ctx, keys...).Result()
	return vals, nil, err
}

// mgetArgs2 holds an MGET of up to 2 keys and its arguments.
type mgetArgs2 struct {
	cmd  redis.SliceCmd
	args [3]any
	keys [2]string
	out  [2][]byte
}

// mgetArgs4 holds an MGET of up to 4 keys and its arguments.
type mgetArgs4 struct {
	cmd  redis.SliceCmd
	args [5]any
	keys [4]string
	out  [4][]byte
}

// sendMGet sends the MGET of keys as cmd, with args, ks and out, the
// arrays of one mgetArgs2 or mgetArgs4.
func sendMGet(ctx context.Context, client redis.UniversalClient, cmd *redis.SliceCmd, args []any, ks []string, out [][]byte, keys []string) ([]any, [][]byte, error) {
	args[0] = "mget"
	for i, k := range keys {
		ks[i] = k
		args[1+i] = boxString(&ks[i])
	}
	*cmd = *redis.NewSliceCmd(ctx, args[:1+len(keys)]...)
	_ = client.Process(ctx, cmd)
	vals, err := cmd.Result()
	return vals, out[:len(keys)], err
}

// boxString returns *p as an interface value whose data is p itself,
// which the conversion any(*p) would copy to an allocation of its own.
func boxString(p *string) (v any) {
	e := (*[2]unsafe.Pointer)(unsafe.Pointer(&v))
	e[0], e[1] = stringType, unsafe.Pointer(p)
	return v
}

// stringType is the type word of an interface holding a string.
var stringType = func() unsafe.Pointer {
	var v any = ""
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[0]
}()
