package cache

import (
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Client settings of RedisOptions and RedisClusterOptions.
const (
	redisDialTimeout = 250 * time.Millisecond
	redisIOTimeout   = 100 * time.Millisecond // read, write and pool wait
	dialerRetryWait  = time.Millisecond       // between dials, and after the last
)

// RedisOptions returns go-redis options for addr with defaults suited to a
// cache that must never slow its callers down much: short dial, read and
// write timeouts (250ms, 100ms, 100ms), no retries of commands or dials (a
// failed read goes to the repository instead; go-redis's wait of 100ms
// after a failed dial, which it makes after the last one too, cut to 1ms),
// context deadlines honoured
// on the socket (ContextTimeoutEnabled, so that a caller's deadline and the
// cache's [WithStoreTimeout] cut a slow read short), and maintenance
// notifications off (Redis 7 does not know the command). Adjust the fields
// before passing them to redis.NewClient.
func RedisOptions(addr string) *redis.Options {
	return withCacheDefaults(&redis.Options{Addr: addr})
}

// ParseRedisURL parses a redis:// or rediss:// URL with redis.ParseURL and
// applies the defaults of [RedisOptions] to what the URL does not set.
// ContextTimeoutEnabled is always set: a URL cannot turn it off.
func ParseRedisURL(url string) (*redis.Options, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	return withCacheDefaults(opt), nil
}

func withCacheDefaults(opt *redis.Options) *redis.Options {
	if opt.DialTimeout == 0 {
		opt.DialTimeout = redisDialTimeout
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = redisIOTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = redisIOTimeout
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = redisIOTimeout
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1 // 0 means the default, 5 tries 100ms apart
	}
	if opt.DialerRetryTimeout == 0 {
		// go-redis waits this long after every failed dial, the last one
		// too (v9.16): a refused dial would cost 100ms (0 means that
		// default).
		opt.DialerRetryTimeout = dialerRetryWait
	}
	opt.ContextTimeoutEnabled = true
	if opt.MaintNotificationsConfig == nil {
		opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	}
	return opt
}

// RedisClusterOptions returns go-redis Redis Cluster options for the seed
// addresses with the settings of [RedisOptions] and MaxRedirects 1.
//
// go-redis's ClusterClient sends a command that timed out again, up to
// MaxRedirects times (default 3), whatever MaxRetries says: one paused
// master made every call wait about 500ms. With ContextTimeoutEnabled the
// cache's store timeout ends the call instead (about 150ms, whatever
// MaxRedirects is). MaxRedirects 1 still follows one MOVED or ASK redirect,
// so reads keep hitting while a slot migrates (-1 follows none: about 100ms
// per call on a paused master, but reads of a migrating slot fail), and
// costs two read timeouts (about 230ms) if the store timeout is turned off.
// Adjust the fields before passing them to redis.NewClusterClient.
func RedisClusterOptions(addrs ...string) *redis.ClusterOptions {
	return &redis.ClusterOptions{
		Addrs:                    addrs,
		DialTimeout:              redisDialTimeout,
		ReadTimeout:              redisIOTimeout,
		WriteTimeout:             redisIOTimeout,
		PoolTimeout:              redisIOTimeout,
		MaxRetries:               -1,
		MaxRedirects:             1,
		ContextTimeoutEnabled:    true,
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
		// Each node's client dials once (the default tries 5 times, 100ms
		// apart); ClusterOptions has no DialerRetries before go-redis v9.17.
		NewClient: func(o *redis.Options) *redis.Client {
			o.DialerRetries, o.DialerRetryTimeout = 1, dialerRetryWait
			return redis.NewClient(o)
		},
	}
}
