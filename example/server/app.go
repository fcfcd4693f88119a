package server

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/cachegen/cachegen/cache"
	"github.com/cachegen/cachegen/example/books"
	"github.com/redis/go-redis/v9"
)

// Config configures the example application.
type Config struct {
	MySQLDSN string        // go-sql-driver/mysql DSN
	RedisURL string        // redis:// or rediss:// URL
	NoCache  bool          // serve from the plain repository
	MaxAge   bool          // Cache-Control: max-age on cached reads (see Options.MaxAge)
	Metrics  bool          // serve the cache's metrics for Prometheus at /metrics
	Prefix   string        // Redis key prefix; default "booksapi"
	WaitDB   time.Duration // how long to wait for a database server that does not answer yet
	Logger   *slog.Logger  // default slog.Default()
	// Wrap wraps the database repository with the cache; default
	// books.NewCachedRepository. seedtable passes a wrapper of other
	// annotations, as its baseline.
	Wrap func(next books.Repository, c *cache.Cache) books.Repository
	// CacheOptions are passed to cache.New after the prefix and the logger
	// (seedtable adds the near cache).
	CacheOptions []cache.Option
}

// App is the example assembled: the database, the cache and the handler.
type App struct {
	Server *Server
	Cache  *cache.Cache // nil with NoCache
	db     *sql.DB
	rdb    *redis.Client
}

// Open connects to the database (see [OpenDB]; the schema is created and
// seeded when the books table is missing) and, unless cfg.NoCache, to Redis.
func Open(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "booksapi"
	}
	db, err := OpenDB(ctx, cfg.MySQLDSN, cfg.WaitDB, cfg.Logger)
	if err != nil {
		return nil, err
	}
	if created, err := books.EnsureSchema(ctx, db); err != nil {
		db.Close()
		return nil, err
	} else if created {
		cfg.Logger.Info("created and seeded the schema", "categories", books.SeedCategories, "books", books.SeedBooks)
	}
	app := &App{db: db}
	var opts Options
	var repo books.Repository = books.NewMySQL(db)
	if !cfg.NoCache {
		opt, err := cache.ParseRedisURL(cfg.RedisURL)
		if err != nil {
			db.Close()
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		app.rdb = redis.NewClient(opt)
		if err := app.rdb.Ping(ctx).Err(); err != nil {
			// Fail-open: the API works without Redis, only slower.
			cfg.Logger.Warn("redis unreachable; serving from the database until it answers", "err", err)
		}
		copts := []cache.Option{cache.WithPrefix(cfg.Prefix), cache.WithLogger(cfg.Logger)}
		if cfg.Metrics {
			obs, handler, err := prometheusObserver()
			if err != nil {
				app.Close()
				return nil, err
			}
			copts = append(copts, cache.WithObserver(obs))
			opts.Metrics = handler
		}
		app.Cache = cache.New(cache.NewRedisStore(app.rdb), append(copts, cfg.CacheOptions...)...)
		if cfg.Wrap != nil {
			repo = cfg.Wrap(repo, app.Cache)
		} else {
			repo = books.NewCachedRepository(repo, app.Cache)
		}
	}
	opts.MaxAge = cfg.MaxAge
	app.Server = New(repo, opts)
	return app, nil
}

// Close closes the cache, then the connections.
func (a *App) Close() error {
	var errs []error
	if a.Cache != nil {
		errs = append(errs, a.Cache.Close()) // delivers pending invalidations first
	}
	if a.rdb != nil {
		errs = append(errs, a.rdb.Close())
	}
	errs = append(errs, a.db.Close())
	return errors.Join(errs...)
}
