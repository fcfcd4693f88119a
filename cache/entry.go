package cache

import (
	"bytes"
	"errors"
)

// Entry values start with a header naming the format, the codec and the
// version tokens the entry was computed under:
//
//	cg1:json:4f1c2a9e0b7d3c55,9a0e6d1c2b3f4a58\n{"id":1,"title":"Dune"}
const entryMagic = "cg1:"

var errBadHeader = errors.New("cache: entry has no valid cachegen header")

// appendEntryHeader appends the header for codec and tokens to dst.
func appendEntryHeader(dst []byte, codec string, tokens []string) []byte {
	dst = append(dst, entryMagic...)
	dst = append(dst, codec...)
	dst = append(dst, ':')
	for i, t := range tokens {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, t...)
	}
	return append(dst, '\n')
}

// parseEntry checks entry's header against codec and the current version
// tokens. It returns the payload and whether the entry is current; err is set
// when the value is not a cachegen entry at all.
func parseEntry(entry []byte, codec string, versions [][]byte) (payload []byte, current bool, err error) {
	rest, ok := bytes.CutPrefix(entry, []byte(entryMagic))
	if !ok {
		return nil, false, errBadHeader
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return nil, false, errBadHeader
	}
	header, payload := rest[:nl], rest[nl+1:]
	name, tokens, ok := bytes.Cut(header, []byte{':'})
	if !ok {
		return nil, false, errBadHeader
	}
	if string(name) != codec {
		return nil, false, nil // written by another codec: a plain miss
	}
	for i, v := range versions {
		tok := tokens
		if i < len(versions)-1 {
			var found bool
			tok, tokens, found = bytes.Cut(tokens, []byte{','})
			if !found {
				return nil, false, nil
			}
		}
		if !bytes.Equal(tok, v) {
			return nil, false, nil
		}
	}
	return payload, true, nil
}
