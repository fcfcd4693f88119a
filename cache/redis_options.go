package cache

import (
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisOptions returns go-redis options for addr with defaults suited to a
// cache that must never slow its callers down much: short dial, read and
// write timeouts (250ms, 100ms, 100ms), no retries of commands or dials (a
// failed read goes to the repository instead), and maintenance
// notifications off (Redis 7 does not know the command). Adjust the fields
// before passing them to redis.NewClient.
func RedisOptions(addr string) *redis.Options {
	return withCacheDefaults(&redis.Options{Addr: addr})
}

// ParseRedisURL parses a redis:// or rediss:// URL with redis.ParseURL and
// applies the defaults of [RedisOptions] to what the URL does not set.
func ParseRedisURL(url string) (*redis.Options, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, err
	}
	return withCacheDefaults(opt), nil
}

func withCacheDefaults(opt *redis.Options) *redis.Options {
	if opt.DialTimeout == 0 {
		opt.DialTimeout = 250 * time.Millisecond
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = 100 * time.Millisecond
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = 100 * time.Millisecond
	}
	if opt.PoolTimeout == 0 {
		opt.PoolTimeout = 100 * time.Millisecond
	}
	if opt.MaxRetries == 0 {
		opt.MaxRetries = -1
	}
	if opt.DialerRetries == 0 {
		opt.DialerRetries = 1 // 0 means the default, 5 tries 100ms apart
	}
	if opt.MaintNotificationsConfig == nil {
		opt.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	}
	return opt
}
