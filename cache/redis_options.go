package cache

import (
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisOptions returns go-redis options for addr with defaults suited to a
// cache that must never slow its callers down much: short dial, read and
// write timeouts (250ms, 100ms, 100ms), no retries of commands or dials (a failed
// read goes to the repository instead), and maintenance notifications off (Redis 7 does not
// know the command). Adjust the fields before passing them to
// redis.NewClient.
func RedisOptions(addr string) *redis.Options {
	return &redis.Options{
		Addr:                     addr,
		DialTimeout:              250 * time.Millisecond,
		ReadTimeout:              100 * time.Millisecond,
		WriteTimeout:             100 * time.Millisecond,
		PoolTimeout:              100 * time.Millisecond,
		MaxRetries:               -1,
		DialerRetries:            1, // 0 means the default, 5 tries 100ms apart
		MaintNotificationsConfig: &maintnotifications.Config{Mode: maintnotifications.ModeDisabled},
	}
}
