package identity

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/testdata/identity/admin"
	"github.com/cachegen/cachegen/testdata/identity/public"
	"github.com/redis/go-redis/v9"
)

type publicRepo struct{ loads atomic.Int64 }

func (r *publicRepo) GetUser(ctx context.Context, id int64) (public.User, error) {
	r.loads.Add(1)
	time.Sleep(time.Millisecond)
	return public.User{ID: id, Name: "visible"}, nil
}

type adminRepo struct{ loads atomic.Int64 }

func (r *adminRepo) GetUser(ctx context.Context, id int64) (admin.User, error) {
	r.loads.Add(1)
	time.Sleep(time.Millisecond)
	return admin.User{ID: id, Name: "visible", PasswordHash: "secret"}, nil
}

func (r *adminRepo) SetPassword(ctx context.Context, id int64, hash string) error { return nil }

// newCache returns a Cache over the Redis of CACHEGEN_REDIS_URL, or over a
// memory store, with a prefix of the test's own.
func newCache(t *testing.T) *cache.Cache {
	store := cache.NewMemoryStore()
	if url := os.Getenv("CACHEGEN_REDIS_URL"); url != "" {
		opt, err := cache.ParseRedisURL(url)
		if err != nil {
			t.Fatal(err)
		}
		rdb := redis.NewClient(opt)
		t.Cleanup(func() { rdb.Close() })
		store = cache.NewRedisStore(rdb)
	}
	return cache.New(store, cache.WithPrefix(fmt.Sprintf("cgtest:identity:%s:%d", t.Name(), time.Now().UnixNano())))
}

func TestSequentialReadsAcrossPackages(t *testing.T) {
	ctx := context.Background()
	c := newCache(t)
	pr, ar := &publicRepo{}, &adminRepo{}
	pub := public.NewCachedRepository(pr, c)
	adm := admin.NewCachedRepository(ar, c)

	a, err := adm.GetUser(ctx, 1)
	if err != nil || a.PasswordHash != "secret" {
		t.Fatalf("admin: %+v, %v", a, err)
	}
	p, err := pub.GetUser(ctx, 1)
	if err != nil || p != (public.User{ID: 1, Name: "visible"}) || pr.loads.Load() != 1 {
		t.Fatalf("public read served the admin package's entry: %+v, %v, %d loads", p, err, pr.loads.Load())
	}
	for range 2 {
		pub.GetUser(ctx, 1)
		adm.GetUser(ctx, 1)
	}
	if pr.loads.Load() != 1 || ar.loads.Load() != 1 {
		t.Fatalf("each package should hit its own entry: public %d loads, admin %d", pr.loads.Load(), ar.loads.Load())
	}
	// The namespace is shared: an invalidation reaches both packages.
	if err := adm.SetPassword(ctx, 1, "x"); err != nil {
		t.Fatal(err)
	}
	pub.GetUser(ctx, 1)
	if pr.loads.Load() != 2 {
		t.Fatalf("after admin's write, public read did not miss (%d loads)", pr.loads.Load())
	}
}

func TestConcurrentFirstReadsAcrossPackages(t *testing.T) {
	ctx := context.Background()
	c := newCache(t)
	pub := public.NewCachedRepository(&publicRepo{}, c)
	adm := admin.NewCachedRepository(&adminRepo{}, c)
	for id := range int64(50) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if i%2 == 0 {
					if u, err := pub.GetUser(ctx, id); err != nil || u != (public.User{ID: id, Name: "visible"}) {
						t.Errorf("public: %+v, %v", u, err)
					}
					return
				}
				if u, err := adm.GetUser(ctx, id); err != nil || u.PasswordHash != "secret" {
					t.Errorf("admin: %+v, %v", u, err)
				}
			}()
		}
		wg.Wait()
	}
}
