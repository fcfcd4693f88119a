package cache

import (
	"bytes"
	"testing"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// times covers the three forms of msgpack's timestamp, the zero time, times
// before 1970, and zones: UTC, fixed offsets east and west (one not a whole
// number of minutes), Local, and a named zone.
func times(t *testing.T) []time.Time {
	t.Helper()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		ny = time.FixedZone("EST", -5*3600)
	}
	return []time.Time{
		{},
		time.Unix(1, 0).UTC(),
		time.Date(2024, 3, 1, 13, 50, 0, 0, time.FixedZone("", 7*3600)),
		time.Date(2024, 3, 1, 13, 50, 0, 123456789, time.FixedZone("+0530", 5*3600+30*60)),
		time.Date(1969, 7, 20, 20, 17, 40, 0, time.FixedZone("", -3*3600-1800)),
		time.Date(2600, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(1900, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 53*60+28)),
		time.Date(2024, 7, 4, 9, 0, 0, 5, ny),
		time.Now(),
	}
}

// TestMsgpackKeepsTimeOffset: the Msgpack codec gives a time back with its
// instant and its offset, in the zone StdJSON would give: the wall clock a
// caller sees on a hit is the one the repository returned.
func TestMsgpackKeepsTimeOffset(t *testing.T) {
	type row struct {
		At  time.Time
		Ptr *time.Time
		Any any
	}
	for _, in := range times(t) {
		v := row{At: in, Ptr: &in, Any: in}
		data, err := Msgpack.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		var got row
		if err := Msgpack.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		var viaJSON time.Time
		if b, err := StdJSON.Marshal(in); err != nil {
			t.Fatal(err)
		} else if err := StdJSON.Unmarshal(b, &viaJSON); err != nil {
			t.Fatal(err)
		}
		anyTime, ok := got.Any.(time.Time)
		if !ok {
			t.Fatalf("a time in an interface came back as %T", got.Any)
		}
		for name, g := range map[string]time.Time{"field": got.At, "pointer": *got.Ptr, "interface": anyTime} {
			_, wantOff := in.Zone()
			_, gotOff := g.Zone()
			if !g.Equal(in) || gotOff != wantOff {
				t.Errorf("%s %v came back as %v", name, in, g)
			}
			// JSON keeps whole minutes of offset only.
			if wantOff%60 == 0 && g.Location().String() != viaJSON.Location().String() {
				t.Errorf("%s %v: zone %q, JSON gives %q", name, in, g.Location(), viaJSON.Location())
			}
		}
	}
}

// TestMsgpackTimeUnchangedForOthers: the process-wide time extension this
// package registers writes and reads, for every encoder but the codec's,
// what msgpack's own EncodeTime and DecodeTime do.
func TestMsgpackTimeUnchangedForOthers(t *testing.T) {
	for _, in := range times(t) {
		got, err := msgpack.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		if err := msgpack.NewEncoder(&want).EncodeTime(in); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) {
			t.Errorf("msgpack.Marshal(%v) = %x, msgpack writes %x", in, got, want.Bytes())
		}
		var back time.Time
		if err := msgpack.Unmarshal(got, &back); err != nil {
			t.Fatal(err)
		}
		ref, err := msgpack.NewDecoder(bytes.NewReader(got)).DecodeTime()
		if err != nil {
			t.Fatal(err)
		}
		if !back.Equal(ref) || back.Location() != ref.Location() {
			t.Errorf("msgpack.Unmarshal gives %v (%v), msgpack reads %v (%v)", back, back.Location(), ref, ref.Location())
		}
	}
}
