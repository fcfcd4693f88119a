package cache

import (
	"bytes"
	"errors"
	"strconv"
)

// Entry values start with a header naming the format, the codec (followed
// by "+" and the compression when the payload is compressed) and the version
// tokens the entry was computed under:
//
//	cg1:json:4f1c2a9e0b7d3c55,9a0e6d1c2b3f4a58\n{"id":1,"title":"Dune"}
//	cg1:json+s2:4f1c2a9e0b7d3c55\n<s2 block><CRC-32C>
//
// The entries of a method that refreshes them early (see [Method.Refresh])
// record their expiry, in Unix milliseconds, after the tokens:
//
//	cg1:json:4f1c2a9e0b7d3c55@1765050000000\n{"id":1,"title":"Dune"}
//
// Versions before refresh read such an entry as one of other versions (a
// miss), and this one reads theirs as entries that record no expiry.
const entryMagic = "cg1:"

var errBadHeader = errors.New("cache: entry has no valid cachegen header")

// appendEntryHeader appends the header for codec and tokens to dst.
func appendEntryHeader(dst []byte, codec string, tokens []string) []byte {
	return appendEntryHeaderAt(dst, codec, tokens, 0)
}

// appendEntryHeaderAt is appendEntryHeader for an entry that records its
// expiry, expires (Unix ms), unless it is zero.
func appendEntryHeaderAt(dst []byte, codec string, tokens []string, expires int64) []byte {
	dst = append(dst, entryMagic...)
	dst = append(dst, codec...)
	dst = append(dst, ':')
	for i, t := range tokens {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, t...)
	}
	if expires > 0 {
		dst = append(dst, expiryMark)
		dst = strconv.AppendInt(dst, expires, 10)
	}
	return append(dst, '\n')
}

// expiryMark separates an entry's expiry from its tokens.
const expiryMark = '@'

// entryExpiry returns the expiry (Unix ms) entry records, or zero.
func entryExpiry(entry []byte) int64 {
	nl := bytes.IndexByte(entry, '\n')
	if nl < 0 {
		return 0
	}
	at := bytes.LastIndexByte(entry[:nl], expiryMark)
	if at < 0 {
		return 0
	}
	n, err := strconv.ParseInt(string(entry[at+1:nl]), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// appendEntry returns the entry holding payload, encoded by c's codec,
// computed under tokens, recording its expiry (Unix ms) unless it is zero:
// compressed when c's options say so.
func (c *Cache) appendEntry(tokens []string, payload []byte, expires int64) []byte {
	name := c.codec.Name()
	compress := c.compression != 0 && len(payload) >= c.compressAbove && len(payload) <= maxDecoded
	if !compress {
		return append(appendEntryHeaderAt(make([]byte, 0, 64+len(payload)), name, tokens, expires), payload...)
	}
	entry := appendEntryHeaderAt(make([]byte, 0, 64+len(payload)/2), name+"+"+c.compression.String(), tokens, expires)
	start := len(entry)
	entry = c.compression.appendCompressed(entry, payload)
	if len(entry)-start >= len(payload) { // incompressible: store it as it is
		return append(appendEntryHeaderAt(entry[:0], name, tokens, expires), payload...)
	}
	return entry
}

// A not-found entry records that the load returned the method's i-th
// not-found error: "!<i>" stands in the header for the codec, and the
// payload is empty for an error variable, or the record of the error for
// one matched by type (see [ErrorAs]). Codec names are letters and digits,
// so no codec's entry reads as one:
//
//	cg1:!0:4f1c2a9e0b7d3c55\n
const notFoundMark = '!'

// appendNotFoundHeader appends the header of a not-found entry for the
// method's i-th not-found error.
func appendNotFoundHeader(dst []byte, i int, tokens []string) []byte {
	return appendEntryHeader(dst, string(notFoundMark)+strconv.Itoa(i), tokens)
}

// entryPayload checks entry's header against c's codec and the current
// version tokens, and returns its payload, decompressed, and whether the
// entry is current; nf is the index of the not-found error a not-found entry
// records, else -1. err is set when the value is not a cachegen entry or its
// compressed payload is corrupt.
func (c *Cache) entryPayload(entry []byte, versions [][]byte) (payload []byte, nf int, current bool, err error) {
	payload, nf, alg, current, err := parseEntry(entry, c.codec.Name(), versions)
	if err != nil || !current || alg == 0 {
		return payload, nf, current, err
	}
	payload, err = alg.decompress(payload)
	if err != nil {
		return nil, -1, false, err
	}
	return payload, -1, true, nil
}

// parseEntry checks entry's header against codec and the current version
// tokens. It returns the payload, the index of the not-found error of a
// not-found entry (else -1), the payload's compression (0 when plain) and
// whether the entry is current; err is set when the value is not a cachegen
// entry at all. An entry of another codec, or compressed by an algorithm
// this version does not know, is not current.
func parseEntry(entry []byte, codec string, versions [][]byte) (payload []byte, nf int, alg Compression, current bool, err error) {
	rest, ok := bytes.CutPrefix(entry, []byte(entryMagic))
	if !ok {
		return nil, -1, 0, false, errBadHeader
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return nil, -1, 0, false, errBadHeader
	}
	header, payload := rest[:nl], rest[nl+1:]
	name, tokens, ok := bytes.Cut(header, []byte{':'})
	if !ok {
		return nil, -1, 0, false, errBadHeader
	}
	nf = -1
	if len(name) > 1 && name[0] == notFoundMark {
		i, err := strconv.Atoi(string(name[1:]))
		if err != nil || i < 0 {
			return nil, -1, 0, false, errBadHeader
		}
		nf = i
	} else {
		var algName []byte
		var compressed bool
		name, algName, compressed = bytes.Cut(name, []byte{'+'})
		if compressed {
			if alg, ok = compressionNamed(algName); !ok {
				return nil, -1, 0, false, nil // compressed by a later version: a plain miss
			}
		}
		if string(name) != codec {
			return nil, -1, 0, false, nil // written by another codec: a plain miss
		}
	}
	if at := bytes.IndexByte(tokens, expiryMark); at >= 0 {
		tokens = tokens[:at] // the expiry of an entry refreshed early
	}
	for i, v := range versions {
		tok := tokens
		if i < len(versions)-1 {
			var found bool
			tok, tokens, found = bytes.Cut(tokens, []byte{','})
			if !found {
				return nil, -1, 0, false, nil
			}
		}
		if !bytes.Equal(tok, v) {
			return nil, -1, 0, false, nil
		}
	}
	return payload, nf, alg, true, nil
}
