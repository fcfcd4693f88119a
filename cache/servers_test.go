package cache

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
)

// testTarget returns the address of the Redis a proxy should forward to:
// CACHEGEN_REDIS_URL's, or a miniredis.
func testTarget(t *testing.T) string {
	if url := os.Getenv("CACHEGEN_REDIS_URL"); url != "" {
		opt, err := redis.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		if opt.DB != 0 {
			t.Skip("the proxy tests need CACHEGEN_REDIS_URL to use database 0")
		}
		return opt.Addr
	}
	_, mr := testRedis(t)
	return mr.Addr()
}

func infoField(t testing.TB, c redis.UniversalClient, section, field string) string {
	info, err := c.Info(context.Background(), section).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			return v
		}
	}
	t.Fatalf("INFO %s has no %s", section, field)
	return ""
}
