package cache

import (
	"math"
	"sync"
	"time"
)

// maxOffset bounds the offsets a sidecar may hold: time.FixedZone takes
// any, but no zone is a day away from UTC.
const maxOffset = 24 * 60 * 60

// zoneOf returns the zone entry that restores t's Location: time.UTC and
// time.Local as themselves, a Location loaded by an IANA name as the zone of
// that name when the name loads here to the same zone at t, and any other
// as a fixed zone of t's abbreviation and offset (time.FixedZone's own
// zones are such zones).
func zoneOf(t time.Time) zoneEntry {
	loc := t.Location()
	abbrev, off := t.Zone()
	switch loc {
	case time.UTC:
		return zoneEntry{kind: zoneUTC, abbrev: abbrev}
	case time.Local:
		return zoneEntry{kind: zoneLocal, abbrev: abbrev, off: off}
	}
	if name := loc.String(); name != "" {
		if named := loadZone([]byte(name)); named != nil && sameZoneAt(t, named) {
			return zoneEntry{kind: zoneNamed, name: name, abbrev: abbrev, off: off}
		}
	}
	return zoneEntry{kind: zoneFixed, abbrev: abbrev, off: off}
}

// sameZoneAt reports whether loc gives t the zone t has: the same
// abbreviation, offset and bounds. A fixed zone has no bounds, so a fixed
// zone named like an IANA zone is not taken for it.
func sameZoneAt(t time.Time, loc *time.Location) bool {
	u := t.In(loc)
	a1, o1 := t.Zone()
	a2, o2 := u.Zone()
	s1, e1 := t.ZoneBounds()
	s2, e2 := u.ZoneBounds()
	return a1 == a2 && o1 == o2 && s1.Equal(s2) && e1.Equal(e2)
}

// location returns the Location a zone entry restores times in: nil for a
// named zone this machine does not have.
func (z *resolvedZone) location(name []byte) *time.Location {
	switch z.kind {
	case zoneUTC:
		return time.UTC
	case zoneLocal:
		return time.Local
	case zoneNamed:
		return loadZone(name)
	}
	return fixedZone(z.abbrev, z.off)
}

// restore returns the time at sec and nsec in the zone. A Local or a named
// zone that does not give the time the abbreviation and offset it had (the
// reading machine's Local is another zone, or its zone database differs)
// gives way to a fixed zone of that abbreviation and offset: the instant
// and the offset are always exact.
func (z *resolvedZone) restore(sec, nsec int64) time.Time {
	t := time.Unix(sec, nsec)
	switch z.kind {
	case zoneUTC:
		return t.UTC()
	case zoneFixed:
		return t.In(z.loc)
	}
	if z.loc != nil {
		t = t.In(z.loc)
		if z.known && z.from <= sec && sec < z.until {
			return t
		}
		if abbrev, off := t.Zone(); abbrev == string(z.abbrev) && off == z.off {
			start, end := t.ZoneBounds()
			z.from, z.until, z.known = math.MinInt64, math.MaxInt64, true
			if !start.IsZero() {
				z.from = start.Unix()
			}
			if !end.IsZero() {
				z.until = end.Unix()
			}
			return t
		}
	}
	return t.In(fixedZone(z.abbrev, z.off))
}

// Locations are loaded and made once per process and shared. The caches
// are bounded: names and offsets come from entries, and a store holding
// many distinct ones must not grow them without end. Looking one up
// allocates nothing.
const maxZones = 1024

var zones struct {
	sync.RWMutex
	n     int
	named map[string]*time.Location         // nil for a name that does not load
	fixed map[int]map[string]*time.Location // by offset, then abbreviation
}

// loadZone returns the Location of an IANA zone name, loaded once, or nil
// when the name does not load.
func loadZone(name []byte) *time.Location {
	zones.RLock()
	loc, ok := zones.named[string(name)]
	zones.RUnlock()
	if ok {
		return loc
	}
	loc, err := time.LoadLocation(string(name))
	if err != nil || loc == time.UTC || loc == time.Local {
		loc = nil // "UTC" and "Local" are not zones of their own here
	}
	zones.Lock()
	defer zones.Unlock()
	if prev, ok := zones.named[string(name)]; ok {
		return prev
	}
	if zones.n < maxZones {
		if zones.named == nil {
			zones.named = map[string]*time.Location{}
		}
		zones.named[string(name)] = loc
		zones.n++
	}
	return loc
}

// fixedZone returns time.FixedZone(abbrev, off), made once.
func fixedZone(abbrev []byte, off int) *time.Location {
	zones.RLock()
	loc, ok := zones.fixed[off][string(abbrev)]
	zones.RUnlock()
	if ok {
		return loc
	}
	zones.Lock()
	defer zones.Unlock()
	if loc, ok := zones.fixed[off][string(abbrev)]; ok {
		return loc
	}
	loc = time.FixedZone(string(abbrev), off)
	if zones.n < maxZones {
		if zones.fixed == nil {
			zones.fixed = map[int]map[string]*time.Location{}
		}
		if zones.fixed[off] == nil {
			zones.fixed[off] = map[string]*time.Location{}
		}
		zones.fixed[off][string(abbrev)] = loc
		zones.n++
	}
	return loc
}
