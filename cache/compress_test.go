package cache

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// shelf returns n books, with a long random title when random is set (so
// that their JSON hardly compresses).
func shelf(n int, random bool) []book {
	out := make([]book, n)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range out {
		title := sprintf("Book number %d", i)
		if random {
			b := make([]byte, 1500)
			for j := range b {
				b[j] = byte(rng.Uint32())
			}
			title = base64.StdEncoding.EncodeToString(b)
		}
		out[i] = book{ID: int64(i), Title: title, Tags: []string{"fiction", "classic"}, Edited: i % 7}
	}
	return out
}

// listBooks is what a generated wrapper does for ListBooks(ctx, n) over a
// repository returning want; it counts the loads.
func listBooks(ctx context.Context, m *Method, n int, want []book, loads *int) ([]book, error) {
	k := m.Key()
	k.Int(int64(n))
	return Fetch(ctx, m, k, func(context.Context) ([]book, error) {
		*loads++
		return want, nil
	})
}

// storedEntry returns the raw value of the entry of listBooks(n).
func storedEntry(t *testing.T, store Store, prefix string, n int) []byte {
	t.Helper()
	vals, err := store.Get(context.Background(), []string{sprintf("%s:{books}:R.List:%d", prefix, n)})
	if err != nil || vals[0] == nil {
		t.Fatalf("entry of %d books: %q, %v", n, vals, err)
	}
	return vals[0]
}

// entryCodec returns the codec field of an entry's header, "json+s2" say.
func entryCodec(entry []byte) string {
	name, _, _ := strings.Cut(strings.TrimPrefix(string(entry), entryMagic), ":")
	return name
}

func TestCompressionRoundTrip(t *testing.T) {
	const threshold = 1024
	sizes := []struct {
		name     string
		n        int
		random   bool
		compress map[Compression]bool // whether the entry is stored compressed
	}{
		{"below the threshold", 2, false, map[Compression]bool{}},
		{"above the threshold", 100, false, map[Compression]bool{S2: true, Zstd: true}},
		// Random base64 compresses to no less than it was: stored plain.
		{"above, incompressible", 2, true, map[Compression]bool{}},
	}
	for _, sc := range stores {
		for _, codec := range []Codec{JSON, StdJSON, Msgpack} {
			for _, alg := range []Compression{0, S2, Zstd} {
				for _, size := range sizes {
					name := sprintf("%s/%T/%v/%s", sc.name, codec, alg, size.name)
					t.Run(name, func(t *testing.T) {
						ctx := context.Background()
						store, prefix := sc.store(t), testPrefix(t)
						c := New(store, WithPrefix(prefix), WithCodec(codec), WithCompression(alg, threshold))
						m := c.Method("R.List", time.Minute, "books")
						want := shelf(size.n, size.random)
						loads := 0
						if _, err := listBooks(ctx, m, size.n, want, &loads); err != nil {
							t.Fatal(err)
						}
						settle(t, c) // a miss stores its entry after returning
						entry := storedEntry(t, store, prefix, size.n)
						wantName := codec.Name()
						if size.compress[alg] {
							wantName += "+" + alg.String()
						}
						if got := entryCodec(entry); got != wantName {
							t.Fatalf("entry stored as %q, want %q (%d bytes)", got, wantName, len(entry))
						}
						rctx, rec := Record(ctx)
						got, err := listBooks(rctx, m, size.n, want, &loads)
						if err != nil || rec.Status() != StatusHit || loads != 1 {
							t.Fatalf("second read: %v, status %v, loads %d; want a hit", err, rec.Status(), loads)
						}
						if !reflect.DeepEqual(got, want) {
							t.Fatalf("round trip changed the value:\n got %+v\nwant %+v", got, want)
						}
					})
				}
			}
		}
	}
}

// compressed returns the payload of a compressed entry written by a Cache
// with alg, and what it decompresses to.
func compressed(t *testing.T, alg Compression) (payload, plain []byte) {
	t.Helper()
	c := New(NewMemoryStore(), WithCompression(alg, 0))
	plain, err := c.codec.Marshal(shelf(30, false))
	if err != nil {
		t.Fatal(err)
	}
	entry := c.appendEntry([]string{"0123456789abcdef"}, plain, 0)
	payload, _, got, current, err := parseEntry(entry, "json", [][]byte{[]byte("0123456789abcdef")})
	if err != nil || !current || got != alg {
		t.Fatalf("entry %q: compression %v, current %v, %v", entry, got, current, err)
	}
	return payload, plain
}

func TestCompressedCorruptPayloadIsAnError(t *testing.T) {
	for _, alg := range []Compression{S2, Zstd} {
		t.Run(alg.String(), func(t *testing.T) {
			payload, plain := compressed(t, alg)
			if out, err := alg.decompress(payload); err != nil || !bytes.Equal(out, plain) {
				t.Fatalf("intact payload: %v", err)
			}
			check := func(what string, corrupt []byte) {
				out, err := alg.decompress(corrupt)
				// A change that leaves the output intact (a bit the format
				// ignores) is harmless; any other must be an error.
				if err == nil && !bytes.Equal(out, plain) {
					t.Fatalf("%s: decompressed to a different payload without an error", what)
				}
			}
			for n := range len(payload) {
				check(sprintf("truncated to %d bytes", n), payload[:n])
			}
			for i := range payload {
				for _, x := range []byte{0x01, 0x80, 0xff} {
					corrupt := bytes.Clone(payload)
					corrupt[i] ^= x
					check(sprintf("byte %d ^ %#x", i, x), corrupt)
				}
			}
			check("a byte appended", append(bytes.Clone(payload), 0))
		})
	}
}

func TestCompressedSizeClaimIsBounded(t *testing.T) {
	// s2: a block whose length header claims 4 GiB - 1.
	s2Bomb := binary.AppendUvarint(nil, 1<<32-1)
	s2Bomb = append(s2Bomb, 0, 0, 0, 0, 0, 0)
	// zstd: a single-segment frame whose header claims 256 MiB (under the
	// decoder's own limits).
	zstdBomb := []byte{0x28, 0xb5, 0x2f, 0xfd, 0xe0}
	zstdBomb = binary.LittleEndian.AppendUint64(zstdBomb, 256<<20)
	zstdBomb = append(zstdBomb, 1, 0, 0, 0, 0, 0, 0)
	for _, tc := range []struct {
		alg  Compression
		bomb []byte
	}{{S2, s2Bomb}, {Zstd, zstdBomb}} {
		t.Run(tc.alg.String(), func(t *testing.T) {
			alg := tc.alg
			alg.decompress(compressedOnce(t, alg)) // the decoder's own setup is not counted
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := alg.decompress(tc.bomb)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Fatal("a payload claiming more than the bound decompressed")
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
				t.Fatalf("rejecting it allocated %d bytes", grew)
			}
		})
	}
}

// compressedOnce returns a small valid payload compressed by alg.
func compressedOnce(t *testing.T, alg Compression) []byte {
	t.Helper()
	return alg.appendCompressed(nil, []byte(`{"warm":"up"}`))
}

func TestCorruptCompressedEntryIsAFaultAndAMiss(t *testing.T) {
	for _, alg := range []Compression{S2, Zstd} {
		t.Run(alg.String(), func(t *testing.T) {
			ctx := context.Background()
			client, _ := testRedis(t)
			prefix := testPrefix(t)
			var log eventLog
			c := New(NewRedisStore(client), WithPrefix(prefix), WithCompression(alg, 0), WithObserver(log.observe))
			m := c.Method("R.List", time.Minute, "books")
			want, loads := shelf(30, false), 0
			listBooks(ctx, m, 30, want, &loads)
			settle(t, c)
			key := sprintf("%s:{books}:R.List:30", prefix)
			entry := []byte(client.Get(ctx, key).Val())
			entry[len(entry)-10] ^= 0x55 // inside the compressed bytes
			client.Set(ctx, key, entry, time.Minute)

			got, err := listBooks(ctx, m, 30, want, &loads)
			if err != nil || loads != 2 || !reflect.DeepEqual(got, want) {
				t.Fatalf("read of a corrupt entry: %v, loads %d (want 2: a miss)", err, loads)
			}
			if e := log.last.Load(); log.n(EventError) != 1 {
				t.Fatalf("%d faults reported, want 1 (last event %+v)", log.n(EventError), e)
			}
			settle(t, c)
			rctx, rec := Record(ctx)
			if _, err := listBooks(rctx, m, 30, want, &loads); err != nil || rec.Status() != StatusHit || loads != 2 {
				t.Fatalf("after the overwrite: %v, status %v, loads %d; want a hit", err, rec.Status(), loads)
			}
		})
	}
}

func TestMixedCompressionOverOneStore(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			ctx := context.Background()
			store, prefix := sc.store(t), testPrefix(t)
			var log eventLog
			caches := map[string]*Cache{
				"plain": New(store, WithPrefix(prefix), WithObserver(log.observe)),
				"s2":    New(store, WithPrefix(prefix), WithObserver(log.observe), WithCompression(S2, 512)),
				"zstd":  New(store, WithPrefix(prefix), WithObserver(log.observe), WithCompression(Zstd, 512)),
			}
			names := []string{"plain", "s2", "zstd"}
			// Each cache writes the entry of its own list size; every cache
			// then reads every entry as a hit.
			sizes := map[string]int{"plain": 40, "s2": 41, "zstd": 42}
			loads := 0
			for _, w := range names {
				m := caches[w].Method("R.List", time.Minute, "books")
				listBooks(ctx, m, sizes[w], shelf(sizes[w], false), &loads)
				settle(t, caches[w])
				if got, want := entryCodec(storedEntry(t, store, prefix, sizes[w])), map[string]string{"plain": "json", "s2": "json+s2", "zstd": "json+zstd"}[w]; got != want {
					t.Fatalf("%s wrote a %q entry, want %q", w, got, want)
				}
			}
			for _, r := range names {
				m := caches[r].Method("R.List", time.Minute, "books")
				for _, w := range names {
					rctx, rec := Record(ctx)
					got, err := listBooks(rctx, m, sizes[w], nil, &loads)
					if err != nil || rec.Status() != StatusHit || !reflect.DeepEqual(got, shelf(sizes[w], false)) {
						t.Fatalf("%s reading %s's entry: %v, status %v", r, w, err, rec.Status())
					}
				}
			}
			if loads != 3 || log.n(EventError) != 0 {
				t.Fatalf("loads %d (want 3, one per entry), faults %d", loads, log.n(EventError))
			}
			// An invalidation by any of them reaches the entries of all.
			if err := caches["zstd"].Invalidate(ctx, "books"); err != nil {
				t.Fatal(err)
			}
			// The first read after it misses; the others read what it stored.
			for i, r := range names {
				rctx, rec := Record(ctx)
				listBooks(rctx, caches[r].Method("R.List", time.Minute, "books"), sizes["s2"], shelf(sizes["s2"], false), &loads)
				if want := map[bool]Status{true: StatusMiss, false: StatusHit}[i == 0]; rec.Status() != want {
					t.Fatalf("after the invalidation, read %d (%s) is a %v, want a %v", i, r, rec.Status(), want)
				}
				settle(t, caches[r])
			}
			if loads != 4 {
				t.Fatalf("loads %d after the invalidation, want 4", loads)
			}
			// Another codec's compressed entries are plain misses, not faults.
			mp := New(store, WithPrefix(prefix), WithCodec(Msgpack), WithObserver(log.observe), WithCompression(S2, 0))
			rctx, rec := Record(ctx)
			listBooks(rctx, mp.Method("R.List", time.Minute, "books"), sizes["s2"], shelf(sizes["s2"], false), &loads)
			if rec.Status() != StatusMiss || log.n(EventError) != 0 {
				t.Fatalf("msgpack over a JSON entry: status %v, faults %d; want a miss and no fault", rec.Status(), log.n(EventError))
			}
			settle(t, mp)
			if got := entryCodec(storedEntry(t, store, prefix, sizes["s2"])); got != "msgpack+s2" {
				t.Fatalf("msgpack cache wrote %q", got)
			}
		})
	}
}

func TestUnknownCompressionPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New accepted an unknown compression")
		}
	}()
	New(NewMemoryStore(), WithCompression(Zstd+1, 0))
}

// FuzzDecompress checks that no payload makes a decompressor panic, and
// that what one accepts decompresses to what its checksum covers.
func FuzzDecompress(f *testing.F) {
	for _, alg := range []Compression{S2, Zstd} {
		f.Add(uint8(alg), alg.appendCompressed(nil, []byte(`[{"id":1,"title":"Dune"},{"id":2,"title":"Dune"}]`)))
		f.Add(uint8(alg), alg.appendCompressed(nil, nil))
	}
	f.Add(uint8(S2), []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, a uint8, data []byte) {
		alg := Compression(a%2 + 1)
		out, err := alg.decompress(data)
		if err != nil {
			return
		}
		again, err := alg.decompress(alg.appendCompressed(nil, out))
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("%v: %q recompressed does not round-trip: %v", alg, out, err)
		}
	})
}
