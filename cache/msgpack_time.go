package cache

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"reflect"
	"time"

	"github.com/vmihailenco/msgpack/v5"
)

// msgpack writes time.Time as its timestamp extension (-1): the instant in
// UTC, 4, 8 or 12 bytes, decoded into the Local zone. The Msgpack codec
// must give times back as JSON does, with their instant and offset, so its
// encoder appends the offset: 16 bytes, the 12-byte form and the offset in
// seconds east of UTC. The extension's encoder and decoder are registered
// for the whole process, but behave as msgpack's own for everyone else: the
// 16-byte form is written only into an offsetBuffer (the codec's), and the
// other forms are written and read exactly as msgpack does. The tests check
// both against msgpack's Encoder.EncodeTime and Decoder.DecodeTime.
const timeExtID = -1

func init() {
	msgpack.RegisterExtEncoder(timeExtID, time.Time{}, encodeTimeExt)
	msgpack.RegisterExtDecoder(timeExtID, time.Time{}, decodeTimeExt)
}

// offsetBuffer is what the Msgpack codec encodes into: times written into
// it keep their offset.
type offsetBuffer struct{ bytes.Buffer }

func encodeTimeExt(e *msgpack.Encoder, v reflect.Value) ([]byte, error) {
	t := v.Interface().(time.Time)
	secs, nsec := uint64(t.Unix()), uint32(t.Nanosecond())
	if _, ours := e.Writer().(*offsetBuffer); ours {
		_, off := t.Zone()
		b := make([]byte, 16)
		binary.BigEndian.PutUint32(b, nsec)
		binary.BigEndian.PutUint64(b[4:], secs)
		binary.BigEndian.PutUint32(b[12:], uint32(int32(off)))
		return b, nil
	}
	// msgpack's own forms.
	if secs>>34 == 0 {
		data := uint64(nsec)<<34 | secs
		if data&0xffffffff00000000 == 0 {
			return binary.BigEndian.AppendUint32(nil, uint32(data)), nil
		}
		return binary.BigEndian.AppendUint64(nil, data), nil
	}
	b := binary.BigEndian.AppendUint32(make([]byte, 0, 12), nsec)
	return binary.BigEndian.AppendUint64(b, secs), nil
}

func decodeTimeExt(d *msgpack.Decoder, v reflect.Value, extLen int) error {
	b := make([]byte, extLen)
	if err := d.ReadFull(b); err != nil {
		return err
	}
	var t time.Time
	switch extLen {
	case 4:
		t = time.Unix(int64(binary.BigEndian.Uint32(b)), 0)
	case 8:
		data := binary.BigEndian.Uint64(b)
		t = time.Unix(int64(data&0x00000003ffffffff), int64(data>>34))
	case 12, 16:
		t = time.Unix(int64(binary.BigEndian.Uint64(b[4:12])), int64(binary.BigEndian.Uint32(b)))
	default:
		return fmt.Errorf("msgpack: invalid ext len=%d decoding time", extLen)
	}
	switch {
	case extLen == 16:
		t = inOffset(t, int(int32(binary.BigEndian.Uint32(b[12:]))))
	case t.IsZero():
		t = t.UTC() // as msgpack does: the zero time has no zone
	}
	v.Set(reflect.ValueOf(t))
	return nil
}

// inOffset returns t in the zone encoding/json would give it back in for
// that offset: UTC for 0, Local when Local has that offset at t, else a
// fixed zone.
func inOffset(t time.Time, off int) time.Time {
	if off == 0 {
		return t.UTC()
	}
	if _, local := t.In(time.Local).Zone(); local == off {
		return t.In(time.Local)
	}
	return t.In(time.FixedZone("", off))
}
