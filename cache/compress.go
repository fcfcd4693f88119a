package cache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Compression is an algorithm for the payloads of large entries, chosen
// with [WithCompression]. Its name follows the codec's in the entry header
// ("cg1:json+s2:..."), and every Cache decodes entries of every Compression,
// whatever its own options. The zero value compresses nothing.
type Compression uint8

const (
	// S2 is github.com/klauspost/compress/s2, a faster Snappy: the 100-item
	// JSON of the benchmarks comes out about 5x smaller and decompresses in
	// about a tenth of the time its JSON takes to decode.
	S2 Compression = iota + 1
	// Zstd is Zstandard at its fastest level (github.com/klauspost/compress/zstd):
	// about 3x smaller than S2's on the same JSON, at about 3x S2's
	// decompression time.
	Zstd
)

// maxDecoded bounds the size of a decompressed payload, so that a corrupt
// or foreign entry claiming gigabytes is a fault, not an allocation. Larger
// payloads are stored uncompressed.
const maxDecoded = 64 << 20

// crcSize is the size of the CRC-32C of the decompressed payload that ends
// every compressed payload: neither algorithm's block format checks its
// output, and a corrupt entry must be a fault, never a wrong value.
const crcSize = 4

var (
	castagnoli     = crc32.MakeTable(crc32.Castagnoli)
	errCompressed  = errors.New("cache: corrupt compressed payload")
	errDecodedSize = fmt.Errorf("cache: compressed payload decompresses to more than %d bytes", maxDecoded)
)

// WithCompression compresses with alg the entries whose encoded payload is
// at least threshold bytes (all of them when threshold <= 0); smaller ones
// stay as the codec wrote them. A compressed payload that comes out no
// smaller is stored as it was. Reading needs no option: a Cache decodes
// compressed and plain entries of its codec alike, so processes sharing a
// prefix may differ in this option. Versions of cachegen before it read
// compressed entries as misses (as they would another codec's). A threshold
// around 1 KiB leaves small entries, which compression hardly shrinks,
// uncompressed.
func WithCompression(alg Compression, threshold int) Option {
	return func(c *Cache) { c.compression, c.compressAbove = alg, max(threshold, 0) }
}

// String returns the name of the compression in entry headers.
func (alg Compression) String() string {
	switch alg {
	case 0:
		return ""
	case S2:
		return "s2"
	case Zstd:
		return "zstd"
	}
	return fmt.Sprintf("Compression(%d)", uint8(alg))
}

// compressionNamed returns the compression of an entry header's name.
func compressionNamed(name []byte) (Compression, bool) {
	switch string(name) {
	case "s2":
		return S2, true
	case "zstd":
		return Zstd, true
	}
	return 0, false
}

// appendCompressed appends src compressed by alg, then its CRC-32C, to dst.
func (alg Compression) appendCompressed(dst, src []byte) []byte {
	switch alg {
	case S2:
		n := s2.MaxEncodedLen(len(src))
		dst = slices.Grow(dst, n+crcSize)
		enc := s2.Encode(dst[len(dst):len(dst)+n], src)
		dst = dst[:len(dst)+len(enc)]
	case Zstd:
		dst = zstdEncoder().EncodeAll(src, dst)
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(src, castagnoli))
}

// decompress returns the payload that src, compressed by alg, holds. Any
// corruption is an error.
func (alg Compression) decompress(src []byte) ([]byte, error) {
	if len(src) < crcSize {
		return nil, errCompressed
	}
	body, sum := src[:len(src)-crcSize], binary.LittleEndian.Uint32(src[len(src)-crcSize:])
	var out []byte
	var err error
	switch alg {
	case S2:
		n, lerr := s2.DecodedLen(body)
		if lerr != nil {
			return nil, fmt.Errorf("%w: %v", errCompressed, lerr)
		}
		if n > maxDecoded {
			return nil, errDecodedSize
		}
		out, err = s2.Decode(nil, body)
	case Zstd:
		dec, derr := zstdDecoder()
		if derr != nil {
			return nil, derr
		}
		out, err = dec.DecodeAll(body, nil)
	default:
		return nil, fmt.Errorf("cache: unknown compression %v", alg)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCompressed, err)
	}
	if crc32.Checksum(out, castagnoli) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", errCompressed)
	}
	return out, nil
}

// The zstd coder and decoder are made on first use: processes that never
// meet a zstd entry never pay for them. Both are safe for concurrent use.
var (
	zstdEncoder = sync.OnceValue(func() *zstd.Encoder {
		e, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderCRC(false))
		if err != nil {
			panic(err) // the options are constant
		}
		return e
	})
	zstdDecoder = sync.OnceValues(func() (*zstd.Decoder, error) {
		return zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxDecoded))
	})
)
