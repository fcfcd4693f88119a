package drivers

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/cachegen/cachegen/cache"
	"github.com/redis/go-redis/v9"
)

// zones are the TZ settings every test runs under, in a process of its own.
var zones = []string{"UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns"}

// underZones runs the test named name in a child process for each of zones,
// and reports whether this process is such a child (then the caller runs
// the test itself).
func underZones(t *testing.T) bool {
	t.Helper()
	if os.Getenv("CACHEGEN_DRIVERS_CHILD") != "" {
		t.Logf("TZ=%s, time.Local is %s", os.Getenv("TZ"), time.Local)
		return true
	}
	for _, tz := range zones {
		t.Run("TZ="+tz, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()[:strings.Index(t.Name(), "/")]+"$", "-test.count=1", "-test.v")
			cmd.Env = append(os.Environ(), "TZ="+tz, "CACHEGEN_DRIVERS_CHILD=1")
			out, err := cmd.CombinedOutput()
			switch {
			case err != nil:
				t.Fatalf("%v\n%s", err, out)
			case strings.Contains(string(out), "--- SKIP"):
				t.Skipf("%s", lastLines(out))
			case !strings.Contains(string(out), "--- PASS"):
				t.Fatalf("no test ran:\n%s", out)
			}
		})
	}
	return false
}

func lastLines(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, l := range lines {
		if strings.Contains(l, "SKIP") && i+1 < len(lines) {
			return strings.TrimSpace(lines[i+1])
		}
	}
	return lines[len(lines)-1]
}

// testCaches returns a cache over Redis (CACHEGEN_REDIS_URL's, or a
// miniredis) and the same with a near cache, both with a key prefix of the
// test's own.
func testCaches(t *testing.T) (plain, near *cache.Cache) {
	t.Helper()
	var client *redis.Client
	if u := os.Getenv("CACHEGEN_REDIS_URL"); u != "" {
		opts, err := redis.ParseURL(u)
		if err != nil {
			t.Fatal(err)
		}
		client = redis.NewClient(opts)
	} else {
		client = redis.NewClient(&redis.Options{Addr: miniredis.RunT(t).Addr()})
	}
	t.Cleanup(func() { client.Close() })
	prefix := fmt.Sprintf("cgtest:drivers:%d:%d", time.Now().UnixNano(), rand.IntN(1e6))
	plain = cache.New(cache.NewRedisStore(client), cache.WithPrefix(prefix+":plain"))
	near = cache.New(cache.NewRedisStore(client), cache.WithPrefix(prefix+":near"), cache.WithNearCache(cache.NearCache{}))
	t.Cleanup(func() { plain.Close(); near.Close() })
	return plain, near
}

// tableName returns a table name of the test's own.
func tableName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), rand.IntN(1e6))
}

// checkHits reads through each wrapper until two reads in a row are hits
// (the first read is a miss, whose entry is stored after it returns; with
// a near cache, the second hit is a near hit), and checks every result
// against want, the uncached result, by reflect.DeepEqual.
func checkHits[T any](t *testing.T, what string, want T, wrappers map[string]func(ctx context.Context) (T, error)) {
	t.Helper()
	for name, get := range wrappers {
		hits := 0
		for i := 0; hits < 2; i++ {
			if i == 200 {
				t.Fatalf("%s %s: no two hits in a row in 200 reads", what, name)
			}
			ctx, rec := cache.Record(context.Background())
			got, err := get(ctx)
			if err != nil {
				t.Fatalf("%s %s read %d: %v", what, name, i, err)
			}
			if d := diff(reflect.ValueOf(got), reflect.ValueOf(want), ""); d != "" {
				t.Fatalf("%s %s read %d (%v): %s", what, name, i, rec.Status(), d)
			}
			if rec.Status() == cache.StatusHit {
				hits++
			} else {
				hits = 0
				time.Sleep(5 * time.Millisecond) // let the miss's store land
			}
		}
	}
}

// diff returns where got and want first differ by reflect.DeepEqual, with
// both values there, or "" when they are deeply equal.
func diff(got, want reflect.Value, path string) string {
	if !got.IsValid() || !want.IsValid() {
		if got.IsValid() != want.IsValid() {
			return path + ": one is invalid"
		}
		return ""
	}
	if got.CanInterface() && reflect.DeepEqual(got.Interface(), want.Interface()) {
		return ""
	}
	switch got.Kind() {
	case reflect.Struct:
		if got.Type() == reflect.TypeOf(time.Time{}) {
			break
		}
		for i := range got.NumField() {
			f := got.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if d := diff(got.Field(i), want.Field(i), path+"."+f.Name); d != "" {
				return d
			}
		}
	case reflect.Slice, reflect.Array:
		if got.Len() == want.Len() {
			for i := range got.Len() {
				if d := diff(got.Index(i), want.Index(i), fmt.Sprintf("%s[%d]", path, i)); d != "" {
					return d
				}
			}
		}
	case reflect.Pointer:
		if !got.IsNil() && !want.IsNil() {
			return diff(got.Elem(), want.Elem(), "(*"+path+")")
		}
	}
	return fmt.Sprintf("%s: got %#v, want %#v", path, got.Interface(), want.Interface())
}
