package cache

import (
	"fmt"
	"testing"
	"time"
)

func TestMemoKeepsAResultUntilItIsStored(t *testing.T) {
	var m memo
	before := m.now()
	seq := m.put("k", []byte("v"), -1, time.Minute)
	if p, nf, ok := m.get("k", before); !ok || string(p) != "v" || nf != -1 {
		t.Fatalf("before the store: %q, %d, %v", p, nf, ok)
	}
	m.stored("k", seq)
	if _, _, ok := m.get("k", before); !ok {
		t.Fatal("a read from before the store does not get the result")
	}
	if _, _, ok := m.get("k", m.now()); ok {
		t.Fatal("a read from after the store gets the result")
	}
	// An older put's store does not mark a newer result.
	seq2 := m.put("k", []byte("w"), -1, time.Minute)
	m.stored("k", seq)
	if p, _, ok := m.get("k", m.now()); !ok || string(p) != "w" {
		t.Fatalf("the newer result: %q, %v", p, ok)
	}
	m.stored("k", seq2)
	if m.bytes != 1 {
		t.Fatalf("%d bytes held for one result of 1 byte", m.bytes)
	}
}

func TestMemoNotFound(t *testing.T) {
	var m memo
	m.put("k", nil, 2, time.Minute)
	if p, nf, ok := m.get("k", 0); !ok || p != nil || nf != 2 {
		t.Fatalf("%q, %d, %v; want the not-found index 2", p, nf, ok)
	}
}

func TestMemoExpires(t *testing.T) {
	var m memo
	m.put("short", []byte("v"), -1, time.Millisecond)
	m.put("long", []byte("v"), -1, time.Hour) // kept memoLifetime at most
	time.Sleep(5 * time.Millisecond)
	if _, _, ok := m.get("short", 0); ok {
		t.Fatal("kept past the entry's TTL")
	}
	if _, _, ok := m.get("long", 0); !ok {
		t.Fatal("gone before its lifetime")
	}
	if it := m.items["long"]; time.Until(it.expires) > memoLifetime {
		t.Fatalf("kept for %v, more than %v", time.Until(it.expires), memoLifetime)
	}
}

func TestMemoIsBounded(t *testing.T) {
	var m memo
	for i := range 3 * memoMaxItems {
		m.put(fmt.Sprint(i), []byte("v"), -1, time.Minute)
	}
	if len(m.items) > memoMaxItems {
		t.Fatalf("%d results held, want at most %d", len(m.items), memoMaxItems)
	}
	if _, _, ok := m.get(fmt.Sprint(3*memoMaxItems-1), 0); !ok {
		t.Fatal("the newest result is gone")
	}
	if _, _, ok := m.get("0", 0); ok {
		t.Fatal("the oldest result is still there")
	}
	if len(m.order)-m.head > 2*memoMaxItems {
		t.Fatalf("%d keys in order", len(m.order)-m.head)
	}

	big := make([]byte, memoMaxBytes/8)
	for i := range 20 {
		m.put(fmt.Sprint("big", i), big, -1, time.Minute)
	}
	if m.bytes > memoMaxBytes {
		t.Fatalf("%d bytes held, want at most %d", m.bytes, memoMaxBytes)
	}
	m.put("huge", make([]byte, memoMaxBytes/8+1), -1, time.Minute)
	if _, _, ok := m.get("huge", 0); ok {
		t.Fatal("a result over an eighth of the bytes is kept")
	}

	// The same key put again and again does not grow the order past its bound.
	for range 5 * memoMaxItems {
		m.put("again", []byte("v"), -1, time.Minute)
	}
	if len(m.order)-m.head > 2*memoMaxItems+1 {
		t.Fatalf("%d keys in order after putting one key again and again", len(m.order)-m.head)
	}
}
