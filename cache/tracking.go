package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// tracker keeps, in this process, the versions of the namespaces the near
// cache has read, coherent with Redis through its client-side caching: the
// version keys are read on connections of their own on which Redis tracks
// the keys they read (CLIENT TRACKING ... REDIRECT), and Redis pushes the
// name of every tracked key that changes afterwards to a subscriber
// connection (the __redis__:invalidate channel), which forgets it here. A
// near hit whose versions are all known here makes no round trip.
//
// A version read races with the invalidations of writes made while it is
// in flight; a version is kept only when no invalidation arrived between
// the read's start and its end (epoch). When the subscriber or a tracking
// connection goes away, Redis stops telling: everything known is forgotten
// and the tracker starts again.
type tracker struct {
	c      *Cache
	source *redis.Client // the user's client, whose options the tracker copies

	mu       sync.Mutex
	versions map[string]knownVersion // by version key, guarded by mu
	reads    *redis.Client           // the tracking connections; nil while (re)starting
	sub      *redis.Client
	pubsub   *redis.PubSub
	subID    int64 // the subscriber's CLIENT ID

	// epoch counts the invalidations received and the resets; a version
	// read is kept only if it did not move during the read.
	epoch   atomic.Uint64
	healthy atomic.Bool // the tracking is set up and the subscriber listening

	closed chan struct{}
	done   sync.WaitGroup

	// Measurements, for NearStats.
	invalidations, resets atomic.Int64
}

// knownVersion is a version kept by the tracker: its token, and until when
// it may be used without reading it again.
type knownVersion struct {
	token string
	until time.Time
}

// trackedMaxAge is how long a version read on a tracking connection is
// used without reading it again. Redis tells this process of changes only
// while the connection that read the key is open, and a connection Redis
// closes on its side (its idle `timeout`, CLIENT KILL) is noticed only
// when it is used again, which hits of known versions never do: reading
// the versions again bounds the delay such a loss adds to other
// processes' writes.
const trackedMaxAge = time.Second

// trackingChannel is where Redis sends the invalidations of RESP2 clients.
const trackingChannel = "__redis__:invalidate"

// trackedConns is the size of the pool of tracking connections: version
// reads happen only on a near hit whose versions are not known here.
const trackedConns = 4

func newTracker(c *Cache, source *redis.Client) *tracker {
	t := &tracker{c: c, source: source, versions: map[string]knownVersion{}, closed: make(chan struct{})}
	t.done.Add(1)
	go t.run()
	return t
}

// run sets the tracking up, listens to the invalidations, and starts again
// after every failure, until the Cache is closed.
func (t *tracker) run() {
	defer t.done.Done()
	wait := retryFirst
	for {
		err := t.listen()
		t.reset()
		select {
		case <-t.closed:
			return
		default:
		}
		t.c.logs.warn(context.Background(), "tracking", err, "cachegen: near cache tracking lost; the near cache reads versions from Redis until it is back", "err", err)
		select {
		case <-t.closed:
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
	}
}

// listen sets up the subscriber and the tracking connections, then
// forgets the versions Redis says have changed, until something fails.
func (t *tracker) listen() error {
	opt := *t.source.Options()
	opt.Protocol = 2 // invalidations as pub/sub messages
	opt.MaintNotificationsConfig = nil

	var id atomic.Int64
	subOpt := opt
	subOpt.PoolSize, subOpt.MinIdleConns = 1, 0
	subOpt.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		n, err := cn.ClientID(ctx).Result()
		id.Store(n)
		return err
	}
	sub := redis.NewClient(&subOpt)
	ps := sub.Subscribe(context.Background(), trackingChannel)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	_, err := ps.Receive(ctx) // the subscription's confirmation
	cancel()
	if err != nil {
		ps.Close()
		sub.Close()
		return fmt.Errorf("subscribing to %s: %w", trackingChannel, err)
	}
	subID := id.Load()

	readOpt := opt
	readOpt.PoolSize, readOpt.MinIdleConns = trackedConns, 0
	readOpt.ConnMaxIdleTime, readOpt.ConnMaxLifetime = -1, 0 // a closed connection's tracking is lost
	readOpt.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		return cn.Do(ctx, "CLIENT", "TRACKING", "on", "REDIRECT", strconv.FormatInt(subID, 10)).Err()
	}
	dial := readOpt.Dialer
	if dial == nil {
		d := &net.Dialer{Timeout: readOpt.DialTimeout, KeepAlive: 5 * time.Minute}
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		}
	}
	readOpt.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
		cn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &trackedConn{Conn: cn, onClose: t.connLost}, nil
	}
	reads := redis.NewClient(&readOpt)

	t.mu.Lock()
	t.reads, t.sub, t.pubsub, t.subID = reads, sub, ps, subID
	t.mu.Unlock()
	t.healthy.Store(true)
	t.c.logger.Info("cachegen: near cache tracking versions", "subscriber", subID)

	for {
		msg, err := ps.Receive(context.Background())
		if err != nil {
			return err
		}
		switch msg := msg.(type) {
		case *redis.Message:
			t.forget(msg.PayloadSlice...)
			if msg.Payload != "" {
				t.forget(msg.Payload)
			}
		case *redis.Subscription, *redis.Pong:
		default:
			return fmt.Errorf("unexpected message %T on %s", msg, trackingChannel)
		}
	}
}

// reset forgets every version and closes the connections: the tracking
// that kept them coherent is gone.
func (t *tracker) reset() {
	t.healthy.Store(false)
	t.epoch.Add(1)
	t.resets.Add(1)
	t.mu.Lock()
	clear(t.versions)
	reads, sub, ps := t.reads, t.sub, t.pubsub
	t.reads, t.sub, t.pubsub = nil, nil, nil
	t.mu.Unlock()
	if ps != nil {
		ps.Close()
	}
	if reads != nil {
		reads.Close()
	}
	if sub != nil {
		sub.Close()
	}
}

// connLost is called when a tracking connection closes: the keys it read
// are no longer tracked.
func (t *tracker) connLost() {
	select {
	case <-t.closed:
		return
	default:
	}
	if t.healthy.Load() {
		t.epoch.Add(1)
		t.mu.Lock()
		clear(t.versions)
		t.mu.Unlock()
	}
}

// forget drops the versions of keys (all of them when keys is empty), as
// an invalidation from Redis or a write of this process says.
func (t *tracker) forget(keys ...string) {
	t.epoch.Add(1)
	t.invalidations.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(keys) == 0 {
		clear(t.versions)
		return
	}
	for _, k := range keys {
		delete(t.versions, k)
	}
}

// known returns the versions of keys kept here, or false when one of them
// is not.
func (t *tracker) known(keys []string) ([][]byte, bool) {
	if !t.healthy.Load() {
		return nil, false
	}
	out := make([][]byte, len(keys))
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, k := range keys {
		v, ok := t.versions[k]
		if !ok || !now.Before(v.until) {
			return nil, false
		}
		out[i] = []byte(v.token)
	}
	return out, true
}

// read reads the versions of keys on a tracking connection, so that Redis
// tells this process when they change, and keeps them unless an
// invalidation arrived meanwhile. ok is false when the tracking is not
// running: the caller reads them as usual.
func (t *tracker) read(ctx context.Context, keys []string) (versions [][]byte, ok bool, err error) {
	t.mu.Lock()
	reads := t.reads
	t.mu.Unlock()
	if reads == nil || !t.healthy.Load() {
		return nil, false, nil
	}
	before := t.epoch.Load()
	until := time.Now().Add(trackedMaxAge)
	if t.c.storeTimeout > 0 { // else only the caller's deadline, as for the store
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, t.c.storeTimeout)
		defer cancel()
	}
	vals, err := reads.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, true, err
	}
	versions, err = toBytes(vals, len(keys))
	if err != nil {
		return nil, true, err
	}
	if !allValid(versions) {
		return versions, true, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.epoch.Load() == before && t.healthy.Load() {
		for i, k := range keys {
			t.versions[k] = knownVersion{token: string(versions[i]), until: until}
		}
	}
	return versions, true, nil
}

// versionsOf returns the versions of keys known here, else reads them on a
// tracking connection; ok is false when there is no tracking, or the read
// failed: the caller then reads them from the store.
func (t *tracker) versionsOf(ctx context.Context, keys []string) (versions [][]byte, ok bool) {
	if t == nil {
		return nil, false
	}
	if versions, ok := t.known(keys); ok {
		return versions, true
	}
	versions, ok, err := t.read(ctx, keys)
	return versions, ok && err == nil
}

// current reports whether the versions of keys are all known here and
// equal to tokens, without allocating: the tracked near hit.
func (t *tracker) current(keys, tokens []string) bool {
	if t == nil || !t.healthy.Load() || len(keys) != len(tokens) {
		return false
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, k := range keys {
		if v, ok := t.versions[k]; !ok || v.token != tokens[i] || !now.Before(v.until) {
			return false
		}
	}
	return true
}

// stop ends the tracking, for Cache.Close.
func (t *tracker) stop() {
	close(t.closed)
	t.reset()
	t.done.Wait()
}

// trackedConn is a tracking connection, which tells the tracker when it
// closes.
type trackedConn struct {
	net.Conn
	once    sync.Once
	onClose func()
}

func (c *trackedConn) Close() error {
	c.once.Do(c.onClose)
	return c.Conn.Close()
}

// errNoTracking is logged when tracking is asked for a store it cannot
// track.
var errNoTracking = errors.New("cache: NearCache.Tracked needs a store from NewRedisStore over a *redis.Client (a single Redis or a failover client); the near cache reads versions from Redis instead")
