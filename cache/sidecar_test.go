package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"
)

// stamp is a driver's nullable timestamp that encodes itself, as
// pgtype.Timestamptz does: RFC 3339 text, parsed back into whatever zone
// time.Parse gives.
type stamp struct {
	Time  time.Time
	Valid bool
}

func (s stamp) MarshalJSON() ([]byte, error) {
	if !s.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(s.Time.Format(time.RFC3339Nano))
}

func (s *stamp) UnmarshalJSON(b []byte) error {
	var p *string
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	if p == nil {
		*s = stamp{}
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *p)
	*s = stamp{Time: t, Valid: true}
	return err
}

// row is a result holding times every way a driver hands them over.
type row struct {
	ID       int64
	Created  time.Time
	Deleted  *time.Time
	Stamp    stamp
	Times    []time.Time
	ByName   map[string]time.Time
	Doc      json.RawMessage
	NoDoc    json.RawMessage
	Nested   []struct{ At time.Time }
	embedded // its exported fields are JSON's
}

type embedded struct{ Seen time.Time }

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("zone %s not on this machine: %v", name, err)
	}
	return loc
}

// timesOfEveryKind returns times in every kind of Location, with sub-minute
// offsets, the zero instant in Local, and dates before 1900 and after 2262.
func timesOfEveryKind(t testing.TB) []time.Time {
	jakarta := mustZone(t, "Asia/Jakarta")
	berlin := mustZone(t, "Europe/Berlin")
	base := time.Date(2024, 3, 31, 1, 59, 59, 123456789, time.UTC)
	return []time.Time{
		base,
		base.In(time.Local),
		base.In(jakarta),
		base.In(berlin),
		base.Add(time.Hour).In(berlin), // after the change to summer time
		base.In(time.FixedZone("", 7*3600)),
		base.In(time.FixedZone("WIB", 7*3600)),
		base.In(time.FixedZone("", 3208)), // +00:53:28, not whole minutes
		base.In(time.FixedZone("X", -(3*3600 + 1800 + 7))), // -03:30:07
		time.Time{}.In(time.Local),                         // the zero instant in Local (LMT in Europe)
		time.Time{}.In(berlin),                             // +00:53:28
		time.Time{},
		time.Date(1850, 6, 1, 12, 0, 0, 0, berlin),
		time.Date(1893, 3, 31, 23, 59, 59, 999, berlin), // the last second of LMT
		time.Date(2300, 1, 1, 0, 0, 0, 1, jakarta),      // past UnixNano's range
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2024, 1, 1, 0, 0, 0, 0, mustZone(t, "Asia/Kolkata")),
		time.Date(2024, 1, 1, 0, 0, 0, 0, mustZone(t, "America/St_Johns")),
		time.Date(2024, 1, 1, 0, 0, 0, 0, mustZone(t, "Etc/UTC")),
	}
}

func rowOf(times []time.Time) row {
	r := row{ID: 1, Created: times[0], Deleted: &times[1], Stamp: stamp{times[2], true},
		Times: times, ByName: map[string]time.Time{}, Doc: json.RawMessage(`{"a": 1, "b": "<&>"}`),
		embedded: embedded{times[len(times)-1]}}
	for i, tm := range times {
		r.ByName[fmt.Sprint("t", i)] = tm
		r.Nested = append(r.Nested, struct{ At time.Time }{tm})
	}
	return r
}

var codecs = []Codec{JSON, StdJSON, Msgpack}

func TestSidecarGivesTimesBackExactly(t *testing.T) {
	for _, codec := range codecs {
		m := New(NewMemoryStore(), WithCodec(codec)).Method("R.Get", time.Minute, "rows")
		for _, tm := range timesOfEveryKind(t) {
			checkTrip(t, m, rowOf([]time.Time{tm, tm, tm, tm}))
			checkTrip(t, m, tm)
			checkTrip(t, m, []time.Time{tm})
			checkTrip(t, m, &tm)
		}
		checkTrip(t, m, rowOf(timesOfEveryKind(t)))
		checkTrip(t, m, row{Stamp: stamp{}, Doc: json.RawMessage(`[1,2]`), NoDoc: nil})
		checkTrip(t, m, map[int64]row{3: rowOf(timesOfEveryKind(t)), 1: {}, -2: rowOf(timesOfEveryKind(t)[3:])})
		checkTrip(t, m, []json.RawMessage{nil, json.RawMessage(`{ }`), json.RawMessage(`"\u2028"`), json.RawMessage(`"a"`)})
	}
}

// checkTrip encodes v through m and checks that it decodes to a value
// reflect.DeepEqual to v.
func checkTrip[T any](t *testing.T, m *Method, v T) {
	t.Helper()
	data, err := encodeValue(m, &v)
	if err != nil {
		t.Fatalf("%s: encode %v: %v", m.c.codec.Name(), v, err)
	}
	var got T
	if err := decodeValue(m, data, &got); err != nil {
		t.Fatalf("%s: decode: %v\n%q", m.c.codec.Name(), err, data)
	}
	if !reflect.DeepEqual(got, v) {
		t.Errorf("%s: got  %v\nwant %v", m.c.codec.Name(), got, v)
	}
}

// TestSidecarTimesThroughHits checks a Redis hit and a near hit of an entry
// holding times of every kind against the repository's value.
func TestSidecarTimesThroughHits(t *testing.T) {
	want := rowOf(timesOfEveryKind(t))
	for _, near := range []bool{false, true} {
		for _, codec := range codecs {
			t.Run(fmt.Sprint(codec.Name(), " near=", near), func(t *testing.T) {
				client, _ := testRedis(t)
				opts := []Option{WithPrefix(testPrefix(t)), WithCodec(codec)}
				if near {
					opts = append(opts, WithNearCache(NearCache{}))
				}
				c := New(NewRedisStore(client), opts...)
				m := Read[interface{ Get() }, row](c, "R.Get", time.Minute, "rows")
				loads := 0
				get := func(ctx context.Context) row {
					t.Helper()
					k := m.Key()
					k.Int(1)
					v, err := Fetch(ctx, m, k, func(context.Context) (row, error) { loads++; return want, nil })
					if err != nil {
						t.Fatal(err)
					}
					return v
				}
				get(context.Background())
				settle(t, c)
				for i := range 2 {
					ctx, rec := Record(context.Background())
					got := get(ctx)
					if rec.Status() != StatusHit {
						t.Fatalf("read %d: status %v, want a hit", i, rec.Status())
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("read %d: hit differs from the repository's value:\n got %v\nwant %v", i, got, want)
					}
				}
				if loads != 1 {
					t.Errorf("%d loads, want 1", loads)
				}
			})
		}
	}
}

// TestSidecarUnderZones runs the round-trip tests in processes whose Local
// zone is UTC, Europe/Berlin, Asia/Kolkata (+5:30) and America/St_Johns
// (-3:30).
func TestSidecarUnderZones(t *testing.T) {
	if os.Getenv("CACHEGEN_TZ_CHILD") != "" {
		t.Skip("in a child process")
	}
	for _, tz := range []string{"UTC", "Europe/Berlin", "Asia/Kolkata", "America/St_Johns"} {
		mustZone(t, tz)
		cmd := exec.Command(os.Args[0], "-test.run=^(TestSidecarGivesTimesBackExactly|TestSidecarTimesThroughHits|FuzzSidecarTimes)$", "-test.count=1")
		cmd.Env = append(os.Environ(), "TZ="+tz, "CACHEGEN_TZ_CHILD=1")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "PASS") {
			t.Errorf("TZ=%s: %v\n%s", tz, err, out)
		}
	}
}

// TestSidecarEntriesAreNotMisread checks that entries of the format before
// the sidecar are never read as times of another instant or zone: the
// entry identity of a type holding times changes, and a payload without a
// sidecar does not decode.
func TestSidecarEntriesAreNotMisread(t *testing.T) {
	type iface interface{ Get() }
	if identity(reflect.TypeFor[iface](), reflect.TypeFor[row]()) == identityWithoutSidecar(reflect.TypeFor[iface](), reflect.TypeFor[row]()) {
		t.Error("the identity of a type holding times is the one before the sidecar")
	}
	type plain struct{ A int }
	if identity(reflect.TypeFor[iface](), reflect.TypeFor[plain]()) != identityWithoutSidecar(reflect.TypeFor[iface](), reflect.TypeFor[plain]()) {
		t.Error("the identity of a type without times changed")
	}
	for _, codec := range codecs {
		m := New(NewMemoryStore(), WithCodec(codec)).Method("R.Get", time.Minute, "rows")
		v := rowOf(timesOfEveryKind(t))
		old, err := codec.Marshal(&v) // what the previous version stored
		if err != nil {
			t.Fatal(err)
		}
		var got row
		if err := decodeValue(m, old, &got); err == nil {
			t.Errorf("%s: an entry without a sidecar decoded", codec.Name())
		}
		// A sidecar of another value's times is refused, not applied.
		other := rowOf(timesOfEveryKind(t)[1:])
		side, _ := encodeValue(m, &other)
		_, sc, err := splitSidecar(side)
		if err != nil {
			t.Fatal(err)
		}
		wrong := append(append([]byte{}, old...), sc...)
		wrong = append(wrong, side[len(side)-8:]...)
		if err := decodeValue(m, wrong, &got); err == nil {
			t.Errorf("%s: another value's sidecar was applied", codec.Name())
		}
	}
}

// identityWithoutSidecar is identity as it was before the sidecar.
func identityWithoutSidecar(iface, result reflect.Type) string {
	plans.Store(result, (*sidecarPlan)(nil))
	defer plans.Delete(result)
	return identity(iface, result)
}

// FuzzSidecarTimes round-trips random instants in random zones: UTC, Local,
// fixed zones of any offset to the second, named or not, and IANA zones.
func FuzzSidecarTimes(f *testing.F) {
	f.Add(int64(0), uint32(0), int32(3208), uint8(0), "")
	f.Add(int64(-62135596800), uint32(0), int32(0), uint8(1), "")
	f.Add(int64(1711846799), uint32(999999999), int32(-12600), uint8(2), "NST")
	f.Add(int64(-3000000000), uint32(5), int32(0), uint8(3), "")
	names := []string{"Europe/Berlin", "Asia/Kolkata", "America/St_Johns", "Asia/Jakarta", "Australia/Lord_Howe", "Pacific/Chatham", "Africa/Monrovia", "Etc/GMT+12"}
	f.Fuzz(func(t *testing.T, sec int64, nsec uint32, off int32, kind uint8, abbrev string) {
		tm := time.Unix(sec%(400*365*86400*25), int64(nsec%1e9)) // years about -8000 to 12000
		switch kind % 5 {
		case 0:
			tm = tm.UTC()
		case 1:
			tm = tm.In(time.Local)
		case 2:
			tm = tm.In(time.FixedZone(abbrev, int(off%maxOffset)))
		case 3:
			tm = tm.In(mustZone(t, names[uint64(sec)%uint64(len(names))]))
		case 4:
			tm = tm.In(time.FixedZone("", int(off%maxOffset)))
		}
		for _, codec := range codecs {
			m := New(NewMemoryStore(), WithCodec(codec)).Method("R.Get", time.Minute, "rows")
			v := rowOf([]time.Time{tm, tm, tm, tm})
			data, err := encodeValue(m, &v)
			if err != nil {
				if y := tm.Year(); y < 0 || y > 9999 {
					continue // JSON cannot write the year: not stored
				}
				if codec.Name() != "json" || strings.ContainsAny(abbrev, "\x00") {
					t.Fatalf("%s: encode %v: %v", codec.Name(), tm, err)
				}
				continue
			}
			var got row
			if err := decodeValue(m, data, &got); err != nil {
				t.Fatalf("%s: decode %v: %v", codec.Name(), tm, err)
			}
			if !reflect.DeepEqual(got, v) {
				t.Fatalf("%s: got %v, want %v", codec.Name(), got.Created, tm)
			}
		}
	})
}

// BenchmarkSidecarDecode compares decoding an entry payload of a struct
// holding a time in time.Local with its sidecar against the codec's decode
// alone.
func BenchmarkSidecarDecode(b *testing.B) {
	type item struct {
		ID        int64
		Name      string
		CreatedAt time.Time
	}
	m := New(NewMemoryStore()).Method("R.Get", time.Minute, "rows")
	for _, n := range []int{1, 100} {
		v := make([]item, n)
		for i := range v {
			v[i] = item{int64(i), "item", time.Date(2024, 1, 1, 0, 0, i, 0, time.Local)}
		}
		payload, err := encodeValue(m, &v)
		if err != nil {
			b.Fatal(err)
		}
		plain, _ := JSON.Marshal(&v)
		b.Run(fmt.Sprintf("items=%d/codec", n), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				var got []item
				if err := JSON.Unmarshal(plain, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("items=%d/codec+sidecar", n), func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				var got []item
				if err := decodeValue(m, payload, &got); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
