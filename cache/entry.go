package cache

import (
	"bytes"
	"errors"
	"strconv"
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

// A not-found entry records that the load returned the method's i-th
// not-found error: "!<i>" stands in the header for the codec, and the
// payload is empty. Codec names are letters and digits, so no codec's entry
// reads as one:
//
//	cg1:!0:4f1c2a9e0b7d3c55\n
const notFoundMark = '!'

// appendNotFoundHeader appends the header of a not-found entry for the
// method's i-th not-found error.
func appendNotFoundHeader(dst []byte, i int, tokens []string) []byte {
	return appendEntryHeader(dst, string(notFoundMark)+strconv.Itoa(i), tokens)
}

// parseEntry checks entry's header against codec and the current version
// tokens. It returns the payload and whether the entry is current; nf is the
// index of the not-found error a not-found entry records, else -1. err is set
// when the value is not a cachegen entry at all.
func parseEntry(entry []byte, codec string, versions [][]byte) (payload []byte, nf int, current bool, err error) {
	rest, ok := bytes.CutPrefix(entry, []byte(entryMagic))
	if !ok {
		return nil, -1, false, errBadHeader
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl < 0 {
		return nil, -1, false, errBadHeader
	}
	header, payload := rest[:nl], rest[nl+1:]
	name, tokens, ok := bytes.Cut(header, []byte{':'})
	if !ok {
		return nil, -1, false, errBadHeader
	}
	nf = -1
	if len(name) > 1 && name[0] == notFoundMark {
		i, err := strconv.Atoi(string(name[1:]))
		if err != nil || i < 0 || len(payload) != 0 {
			return nil, -1, false, errBadHeader
		}
		nf = i
	} else if string(name) != codec {
		return nil, -1, false, nil // written by another codec: a plain miss
	}
	for i, v := range versions {
		tok := tokens
		if i < len(versions)-1 {
			var found bool
			tok, tokens, found = bytes.Cut(tokens, []byte{','})
			if !found {
				return nil, -1, false, nil
			}
		}
		if !bytes.Equal(tok, v) {
			return nil, -1, false, nil
		}
	}
	return payload, nf, true, nil
}
