package cache

import (
	"sync"
	"sync/atomic"
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
		if named := loadZone(name); named != nil && sameZoneAt(t, named) {
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
func (z *resolvedZone) location() *time.Location {
	switch z.kind {
	case zoneUTC:
		return time.UTC
	case zoneLocal:
		return time.Local
	case zoneNamed:
		return loadZone(z.name)
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
		if abbrev, off := t.Zone(); abbrev == z.abbrev && off == z.off {
			return t
		}
	}
	return t.In(fixedZone(z.abbrev, z.off))
}

// Locations are loaded and made once per process and shared. The caches
// are bounded: names and offsets come from entries, and a store holding
// many distinct ones must not grow them without end.
const maxZones = 1024

var (
	namedZones sync.Map // name -> *time.Location, nil for a name that does not load
	fixedZones sync.Map // zoneEntry{abbrev, off} -> *time.Location
	zoneCount  atomic.Int32
)

// loadZone returns the Location of an IANA zone name, loaded once, or nil
// when the name does not load.
func loadZone(name string) *time.Location {
	if loc, ok := namedZones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || loc == time.UTC || loc == time.Local {
		loc = nil // "UTC" and "Local" are not zones of their own here
	}
	if zoneCount.Load() < maxZones {
		if prev, loaded := namedZones.LoadOrStore(name, loc); loaded {
			return prev.(*time.Location)
		}
		zoneCount.Add(1)
	}
	return loc
}

// fixedZone returns time.FixedZone(abbrev, off), made once.
func fixedZone(abbrev string, off int) *time.Location {
	k := zoneEntry{abbrev: abbrev, off: off}
	if loc, ok := fixedZones.Load(k); ok {
		return loc.(*time.Location)
	}
	loc := time.FixedZone(abbrev, off)
	if zoneCount.Load() < maxZones {
		if prev, loaded := fixedZones.LoadOrStore(k, loc); loaded {
			return prev.(*time.Location)
		}
		zoneCount.Add(1)
	}
	return loc
}
