package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
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
//
// A known version is used without a round trip only while it is confirmed
// (see fresh): read less than the bound (NearCache.MaxStale) ago, or its
// unit's subscriber has received, less than the bound ago, the reply to a
// PING sent on its connection. Redis writes that reply after the
// invalidations of every write it applied before the PING, on the same
// connection, and the subscriber handles messages in order: every write
// that returned before the PING was sent has been forgotten here. So a
// process too starved to handle its invalidations in time stops using
// what it knows, and reads the versions from Redis, once the bound has
// passed since its last confirmation, however late the invalidations are.
//
// Redis tracks keys per server: on a Redis Cluster, the tracker keeps one
// unit (a subscriber and its tracking connections) per master, started the
// first time a version key of that master is read, and reads each version
// key on the unit of the master that holds it. The versions stay in one
// map under one epoch: losing any unit forgets them all.
type tracker struct {
	c       *Cache
	source  *redis.Client        // single Redis: the user's client, whose options the tracker copies
	cluster *redis.ClusterClient // Redis Cluster: the user's client, whose nodes' options the units copy

	mu       sync.Mutex
	versions map[string]knownVersion // by version key, guarded by mu
	unit     *trackUnit              // single Redis: the running unit; nil while (re)starting
	// Redis Cluster: the units by master address, started or starting, and
	// when a master whose unit was lost may have one again.
	units   map[string]*trackUnit
	retryAt map[string]time.Time
	backoff map[string]time.Duration
	stopped bool

	// epoch counts the invalidations received and the resets; a version
	// read is kept only if it did not move during the read.
	epoch atomic.Uint64
	// healthy: the tracking is set up and the subscriber listening (single
	// Redis); the tracker runs (Redis Cluster, whose units come and go
	// each on its own).
	healthy atomic.Bool

	closed chan struct{}
	done   sync.WaitGroup

	// base is the origin of the tracker's clock (see now); bound is how
	// long a version stays confirmed (NearCache.MaxStale), in nanoseconds;
	// beatEvery is how often each unit's subscriber is sent a PING.
	base      time.Time
	bound     int64
	beatEvery time.Duration

	// Measurements, for NearStats and the tests.
	invalidations, resets, versionReads, unconfirmed atomic.Int64
}

// trackUnit is a subscriber and the tracking connections whose
// invalidations it receives, on one Redis server.
type trackUnit struct {
	addr   string
	reads  *redis.Client // the tracking connections
	sub    *redis.Client
	pubsub *redis.PubSub
	subID  int64       // the subscriber's CLIENT ID
	ready  atomic.Bool // set up and listening (Redis Cluster)
	// confirmed is when (on the tracker's clock) the last PING was sent
	// whose reply the subscriber has received: every invalidation Redis
	// sent before it has been handled. 0: none yet.
	confirmed atomic.Int64

	// refusedBy is the refusal (see refusal) that made the tracking
	// connections fail, which closed the unit.
	refusedBy atomic.Pointer[error]

	mu     sync.Mutex
	ids    map[int64]bool // the CLIENT IDs of the tracking connections, guarded by mu
	quit   chan struct{}  // closed by close
	closer sync.Once
}

// close closes the unit's connections.
func (u *trackUnit) close() {
	u.closer.Do(func() {
		if u.quit != nil {
			close(u.quit)
		}
	})
	if u.pubsub != nil {
		u.pubsub.Close()
	}
	if u.reads != nil {
		u.reads.Close()
	}
	if u.sub != nil {
		u.sub.Close()
	}
}

// retryRefused is how long the tracking waits before it starts again
// after a refusal (wrong credentials, a missing ACL permission, an
// untrusted certificate: see refusal), which does not pass by itself.
const retryRefused = 30 * time.Second

// refuse closes u when err, from its tracking connections, is a refusal
// (a user that may not run CLIENT TRACKING): every version read would
// fail the same way. Its subscriber's listener returns err.
func (u *trackUnit) refuse(err error) {
	if !refused(err) {
		return
	}
	u.refusedBy.CompareAndSwap(nil, &err)
	u.pubsub.Close()
}

// knownVersion is a version kept by the tracker: its token, when the read
// that returned it began (on the tracker's clock), and the unit whose
// subscriber hears of its changes.
type knownVersion struct {
	token string
	seen  int64
	unit  *trackUnit
}

// now returns the time on the tracker's clock: nanoseconds since the
// tracker started, monotonic.
func (t *tracker) now() int64 { return int64(time.Since(t.base)) }

// fresh reports whether v may be used at now without reading it again:
// read less than trackedMaxAge ago, and read less than the bound ago or
// confirmed by its unit less than the bound ago.
func (t *tracker) fresh(v knownVersion, now int64) bool {
	age := now - v.seen
	if age >= int64(trackedMaxAge) {
		return false
	}
	if age < t.bound {
		return true
	}
	c := v.unit.confirmed.Load()
	return c > 0 && now-c < t.bound
}

// trackedMaxAge is how long a version read on a tracking connection is
// used without reading it again, however recently it was confirmed (and
// the largest NearCache.MaxStale). Redis tells this process of changes only
// while the connection that read the key is open; a connection Redis closed
// on its side (its idle `timeout`, CLIENT KILL) is found by the units'
// check (trackCheck), and reading the versions again bounds the delay such
// a loss adds to other processes' writes even when that check cannot run.
const trackedMaxAge = time.Second

// trackingChannel is where Redis sends the invalidations of RESP2 clients.
const trackingChannel = "__redis__:invalidate"

// trackedConns is the size of the pool of tracking connections (per master
// on a Redis Cluster): version reads happen only on a near hit whose
// versions are not known here.
const trackedConns = 4

// newTracker starts tracking the versions of source, a single Redis, or of
// cluster, a Redis Cluster (one of them is nil).
func newTracker(c *Cache, source *redis.Client, cluster *redis.ClusterClient) *tracker {
	bound := c.near.maxStale
	t := &tracker{c: c, source: source, cluster: cluster, versions: map[string]knownVersion{}, closed: make(chan struct{}),
		base: time.Now(), bound: int64(bound), beatEvery: max(bound/4, time.Millisecond)}
	if cluster != nil {
		t.units, t.retryAt, t.backoff = map[string]*trackUnit{}, map[string]time.Time{}, map[string]time.Duration{}
		t.healthy.Store(true)
		t.done.Add(1)
		go t.startMasters()
		return t
	}
	t.done.Add(1)
	go t.run()
	return t
}

// run sets the tracking of a single Redis up, listens to the
// invalidations, and starts again after every failure, until the Cache is
// closed.
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
		t.c.refusals.note(context.Background(), t.c, err)
		t.c.logs.warn(context.Background(), "tracking", err, "cachegen: near cache tracking lost; the near cache reads versions from Redis until it is back", "err", err)
		next := wait
		if refused(err) {
			next = retryRefused
		}
		select {
		case <-t.closed:
			return
		case <-time.After(next):
		}
		wait = min(2*wait, retryMax)
	}
}

// listen sets up the subscriber and the tracking connections of a single
// Redis, then forgets the versions Redis says have changed, until
// something fails.
func (t *tracker) listen() error {
	u, err := t.setUp(t.source.Options())
	if err != nil {
		return err
	}
	t.mu.Lock()
	if t.stopped {
		// Closed while the set-up went on: stop has reset the tracker
		// before u was there to close.
		t.mu.Unlock()
		u.close()
		return errTrackerStopped
	}
	t.unit = u
	t.mu.Unlock()
	t.done.Add(2)
	go t.watch(u)
	go t.beat(u)
	t.healthy.Store(true)
	t.c.logger.Info("cachegen: near cache tracking versions", "subscriber", u.subID)
	return t.receive(u)
}

// errTrackerStopped is listen's error when the Cache was closed during
// its set-up.
var errTrackerStopped = errors.New("cachegen: the near cache's tracking stopped")

// setUp connects a unit to the server of options o: its subscriber, then
// the pool of tracking connections redirecting their invalidations to it.
func (t *tracker) setUp(o *redis.Options) (*trackUnit, error) {
	opt := *o
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
		return nil, fmt.Errorf("subscribing to %s on %s: %w", trackingChannel, opt.Addr, err)
	}
	subID := id.Load()

	readOpt := opt
	readOpt.PoolSize, readOpt.MinIdleConns = trackedConns, 0
	readOpt.ConnMaxIdleTime, readOpt.ConnMaxLifetime = -1, 0 // a closed connection's tracking is lost
	u := &trackUnit{addr: opt.Addr, sub: sub, pubsub: ps, subID: subID, ids: map[int64]bool{}, quit: make(chan struct{})}
	readOpt.OnConnect = func(ctx context.Context, cn *redis.Conn) error {
		var id *redis.IntCmd
		_, err := cn.Pipelined(ctx, func(p redis.Pipeliner) error {
			p.Do(ctx, "CLIENT", "TRACKING", "on", "REDIRECT", strconv.FormatInt(subID, 10))
			id = p.ClientID(ctx)
			return nil
		})
		if err != nil {
			return err
		}
		u.mu.Lock()
		u.ids[id.Val()] = true
		u.mu.Unlock()
		return nil
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
		tc := &trackedConn{Conn: cn, onClose: t.connLost}
		if _, ok := cn.(syscall.Conn); ok {
			return &trackedSysConn{tc}, nil
		}
		return tc, nil
	}
	u.reads = redis.NewClient(&readOpt)
	return u, nil
}

// trackCheck is how often a unit checks that its tracking connections are
// still there: Redis tells no one when one is closed (a CLIENT KILL, a
// proxy or a server timeout), and the versions read on it are no longer
// tracked.
const trackCheck = time.Second

// watch checks, every trackCheck until u is closed, that u's tracking
// connections are still connected to the server, and forgets every
// version when one is not.
func (t *tracker) watch(u *trackUnit) {
	defer t.done.Done()
	tick := time.NewTicker(trackCheck)
	defer tick.Stop()
	for {
		select {
		case <-u.quit:
			return
		case <-tick.C:
		}
		u.mu.Lock()
		args := make([]any, 0, 3+len(u.ids))
		args = append(args, "CLIENT", "LIST", "ID")
		for id := range u.ids {
			args = append(args, id)
		}
		u.mu.Unlock()
		if len(args) == 3 {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(t.c.storeTimeout, time.Second))
		list, err := u.reads.Do(ctx, args...).Text()
		cancel()
		if err != nil {
			continue // a failed connection is closed, which tells the tracker
		}
		alive := map[int64]bool{}
		for _, line := range strings.Split(list, "\n") {
			if f, ok := strings.CutPrefix(line, "id="); ok {
				if i := strings.IndexByte(f, ' '); i > 0 {
					if id, err := strconv.ParseInt(f[:i], 10, 64); err == nil {
						alive[id] = true
					}
				}
			}
		}
		lost := false
		u.mu.Lock()
		for _, a := range args[3:] {
			if id := a.(int64); !alive[id] {
				delete(u.ids, id)
				lost = true
			}
		}
		u.mu.Unlock()
		if lost {
			t.connLost()
		}
	}
}

// beat sends a PING on u's subscriber connection every t.beatEvery until
// u is closed, carrying the time it is sent: its reply confirms what u
// knows (see receive). A PING that cannot be sent closes the subscriber:
// go-redis would open another connection in its place, to which the
// tracking connections do not redirect.
func (t *tracker) beat(u *trackUnit) {
	defer t.done.Done()
	tick := time.NewTicker(t.beatEvery)
	defer tick.Stop()
	for {
		select {
		case <-u.quit:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), max(t.c.storeTimeout, time.Second))
		err := u.pubsub.Ping(ctx, strconv.FormatInt(t.now(), 10))
		cancel()
		if err != nil {
			u.pubsub.Close() // receive returns, and the unit is lost
			return
		}
	}
}

// receive forgets the versions Redis says have changed, and records the
// PINGs answered, until the subscriber fails.
func (t *tracker) receive(u *trackUnit) error {
	for {
		msg, err := u.pubsub.Receive(context.Background())
		if err != nil {
			if r := u.refusedBy.Load(); r != nil {
				return *r
			}
			return err
		}
		switch msg := msg.(type) {
		case *redis.Message:
			t.forget(msg.PayloadSlice...)
			if msg.Payload != "" {
				t.forget(msg.Payload)
			}
		case *redis.Pong:
			// Every message before it has been handled: the versions
			// of u are confirmed as of the PING's sending.
			if sent, err := strconv.ParseInt(msg.Payload, 10, 64); err == nil && sent > u.confirmed.Load() {
				u.confirmed.Store(sent)
			}
		case *redis.Subscription:
		default:
			return fmt.Errorf("unexpected message %T on %s", msg, trackingChannel)
		}
	}
}

// reset forgets every version and closes the connections of a single
// Redis: the tracking that kept them coherent is gone.
func (t *tracker) reset() {
	t.healthy.Store(false)
	t.epoch.Add(1)
	t.resets.Add(1)
	t.mu.Lock()
	clear(t.versions)
	u := t.unit
	t.unit = nil
	t.mu.Unlock()
	if u != nil {
		u.close()
	}
}

// startMasters starts a unit on every master of the cluster, so that the
// first near hits are already tracked; masters that come later (a
// failover, a new shard) get theirs at their first read.
func (t *tracker) startMasters() {
	defer t.done.Done()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	go func() {
		select {
		case <-t.closed:
			cancel()
		case <-ctx.Done():
		}
	}()
	_ = t.cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		t.unitOf(node)
		return nil
	})
}

// unitOf returns the unit of a master's node when it is set up, else nil,
// and starts one when the master has none (unless its last one was lost a
// moment ago).
func (t *tracker) unitOf(node *redis.Client) *trackUnit {
	o := node.Options()
	t.mu.Lock()
	if u := t.units[o.Addr]; u != nil {
		t.mu.Unlock()
		if u.ready.Load() {
			return u
		}
		return nil
	}
	if t.stopped || time.Now().Before(t.retryAt[o.Addr]) {
		t.mu.Unlock()
		return nil
	}
	u := &trackUnit{addr: o.Addr}
	t.units[o.Addr] = u
	t.done.Add(1) // under mu, before stop's Wait
	t.mu.Unlock()
	go t.runUnit(u, o)
	return nil
}

// runUnit sets unit u up, listens to its invalidations until its
// subscriber fails, and then forgets everything.
func (t *tracker) runUnit(u *trackUnit, o *redis.Options) {
	defer t.done.Done()
	set, err := t.setUp(o)
	if err == nil {
		t.mu.Lock()
		stopped := t.stopped
		if !stopped {
			u = set
			t.units[u.addr] = u
			u.ready.Store(true)
			delete(t.backoff, u.addr)
			t.done.Add(2)
			go t.watch(u)
			go t.beat(u)
		}
		t.mu.Unlock()
		if stopped {
			set.close()
			return
		}
		t.c.logger.Info("cachegen: near cache tracking versions", "node", u.addr, "subscriber", u.subID)
		err = t.receive(u)
	}
	t.unitLost(u, err)
}

// unitLost forgets every version, as one master no longer tells this
// process what changes there, closes u, and lets the master have a unit
// again after a while.
func (t *tracker) unitLost(u *trackUnit, err error) {
	u.ready.Store(false)
	t.epoch.Add(1)
	t.resets.Add(1)
	t.mu.Lock()
	clear(t.versions)
	if t.units[u.addr] == u {
		delete(t.units, u.addr)
	}
	wait := min(max(2*t.backoff[u.addr], retryFirst), retryMax)
	t.backoff[u.addr] = wait
	if refused(err) {
		wait = retryRefused
	}
	t.retryAt[u.addr] = time.Now().Add(wait)
	stopped := t.stopped
	t.mu.Unlock()
	u.close()
	if !stopped {
		t.c.refusals.note(context.Background(), t.c, err)
		t.c.logs.warn(context.Background(), "tracking", err, "cachegen: near cache tracking lost on a master; the near cache reads versions from Redis until it is back", "node", u.addr, "err", err)
	}
}

// tracking reports whether the tracking runs now: on a Redis Cluster, a
// unit is up on every master that has one (a master whose unit was lost
// gets one again at its next version read).
func (t *tracker) tracking() bool {
	if !t.healthy.Load() {
		return false
	}
	if t.cluster == nil {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.units) == 0 {
		return false
	}
	for _, u := range t.units {
		if !u.ready.Load() {
			return false
		}
	}
	return true
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
		t.forgetAll()
	}
}

// forgetAll forgets every version, without counting an invalidation.
func (t *tracker) forgetAll() {
	t.epoch.Add(1)
	t.mu.Lock()
	clear(t.versions)
	t.mu.Unlock()
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
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, k := range keys {
		v, ok := t.versions[k]
		if !ok || !t.fresh(v, now) {
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
	if t.cluster != nil {
		return t.readCluster(ctx, keys)
	}
	t.mu.Lock()
	u := t.unit
	t.mu.Unlock()
	if u == nil || !t.healthy.Load() {
		return nil, false, nil
	}
	before, seen := t.epoch.Load(), t.now()
	ctx, cancel := t.bounded(ctx)
	defer cancel()
	t.versionReads.Add(1)
	vals, err := u.reads.MGet(ctx, keys...).Result()
	if err != nil {
		u.refuse(err)
		return nil, true, err
	}
	versions, err = toBytes(vals, len(keys))
	if err != nil {
		return nil, true, err
	}
	t.keep(before, seen, keys, versions, func(int) *trackUnit { return u })
	return versions, true, nil
}

// bounded bounds a version read by the store timeout, if there is one.
func (t *tracker) bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if t.c.storeTimeout <= 0 {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, t.c.storeTimeout)
}

// keep keeps the versions read of keys, read from the unit unitOf(i) for
// keys[i] by a read that began at seen, unless an invalidation arrived (or
// the tracking was lost) since it began, at epoch before.
func (t *tracker) keep(before uint64, seen int64, keys []string, versions [][]byte, unitOf func(i int) *trackUnit) {
	if !allValid(versions) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.epoch.Load() == before && t.healthy.Load() {
		for i, k := range keys {
			t.versions[k] = knownVersion{token: string(versions[i]), seen: seen, unit: unitOf(i)}
		}
	}
}

// unitRead is the part of a read on a Redis Cluster that goes to one
// master: the indexes of its keys.
type unitRead struct {
	u   *trackUnit
	idx []int
}

// readCluster reads the versions of keys on the units of the masters that
// hold them, one pipeline per master (one MGET per hash tag: keys of
// several slots of one master cannot share an MGET), in parallel. ok is
// false when a master has no unit set up yet, or a read failed: the caller
// reads them from the store, which follows the cluster's redirections.
func (t *tracker) readCluster(ctx context.Context, keys []string) (versions [][]byte, ok bool, err error) {
	if !t.healthy.Load() {
		return nil, false, nil
	}
	before, seen := t.epoch.Load(), t.now()
	var parts []unitRead
outer:
	for i, k := range keys {
		node, err := t.cluster.MasterForKey(ctx, k)
		if err != nil {
			return nil, false, nil
		}
		u := t.unitOf(node)
		if u == nil {
			return nil, false, nil
		}
		for j := range parts {
			if parts[j].u == u {
				parts[j].idx = append(parts[j].idx, i)
				continue outer
			}
		}
		parts = append(parts, unitRead{u: u, idx: []int{i}})
	}
	ctx, cancel := t.bounded(ctx)
	defer cancel()
	versions = make([][]byte, len(keys))
	if len(parts) == 1 {
		err = t.readUnit(ctx, parts[0], keys, versions)
	} else {
		errs := make([]error, len(parts))
		var wg sync.WaitGroup
		for i := range parts {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				errs[i] = t.readUnit(ctx, parts[i], keys, versions)
			}(i)
		}
		wg.Wait()
		err = errors.Join(errs...)
	}
	if err != nil {
		if answered(err) && !refused(err) {
			// MOVED, ASK, CLUSTERDOWN...: the cluster's layout is changing
			// under this process. Forget everything rather than keep a
			// version of a key that may have moved.
			t.forgetAll()
		}
		return nil, false, nil
	}
	units := make([]*trackUnit, len(keys))
	for _, p := range parts {
		for _, i := range p.idx {
			units[i] = p.u
		}
	}
	t.keep(before, seen, keys, versions, func(i int) *trackUnit { return units[i] })
	return versions, true, nil
}

// readUnit reads the keys of part p on its unit's tracking connections,
// into versions.
func (t *tracker) readUnit(ctx context.Context, p unitRead, keys []string, versions [][]byte) (err error) {
	defer func() { p.u.refuse(err) }()
	t.versionReads.Add(1)
	ks := make([]string, len(p.idx))
	for j, i := range p.idx {
		ks[j] = keys[i]
	}
	groups := [][]int{nil}
	if !sameHashTag(ks) {
		groups = groupByHashTag(ks)
	}
	if len(groups) == 1 {
		vals, err := p.u.reads.MGet(ctx, ks...).Result()
		if err != nil {
			return err
		}
		vs, err := toBytes(vals, len(ks))
		if err != nil {
			return err
		}
		for j, i := range p.idx {
			versions[i] = vs[j]
		}
		return nil
	}
	cmds := make([]*redis.SliceCmd, len(groups))
	pipe := p.u.reads.Pipeline()
	for g, members := range groups {
		gk := make([]string, len(members))
		for m, j := range members {
			gk[m] = ks[j]
		}
		cmds[g] = pipe.MGet(ctx, gk...)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	for g, members := range groups {
		vs, err := toBytes(cmds[g].Val(), len(members))
		if err != nil {
			return err
		}
		for m, j := range members {
			versions[p.idx[j]] = vs[m]
		}
	}
	return nil
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
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, k := range keys {
		v, ok := t.versions[k]
		if !ok || v.token != tokens[i] {
			return false
		}
		if !t.fresh(v, now) {
			if now-v.seen < int64(trackedMaxAge) {
				t.unconfirmed.Add(1) // not confirmed within the bound
			}
			return false
		}
	}
	return true
}

// stop ends the tracking, for Cache.Close.
func (t *tracker) stop() {
	t.mu.Lock()
	t.stopped = true
	units := make([]*trackUnit, 0, len(t.units))
	for _, u := range t.units {
		units = append(units, u)
	}
	t.mu.Unlock()
	close(t.closed)
	t.reset()
	for _, u := range units {
		if u.ready.Load() {
			u.close() // its listener returns
		}
	}
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

// trackedSysConn is a trackedConn over a socket, which it exposes so that
// go-redis's pool can see, before reusing the connection, that the server
// closed it (its tracking is then lost: the pool closes it, which tells
// the tracker).
type trackedSysConn struct{ *trackedConn }

func (c *trackedSysConn) SyscallConn() (syscall.RawConn, error) {
	return c.Conn.(syscall.Conn).SyscallConn()
}

// errNoTracking is logged when tracking is asked for a store it cannot
// track.
var errNoTracking = errors.New("cache: NearCache.Tracked needs a store from NewRedisStore over a *redis.Client (a single Redis or a failover client) or a *redis.ClusterClient; the near cache reads versions from Redis instead")
