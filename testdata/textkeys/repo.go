// Package textkeys keys reads on values that implement
// encoding.TextMarshaler, by their text.
package textkeys

import (
	"context"
	"encoding"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"time"
)

// UUID is a 16-byte identifier, like github.com/google/uuid's.
type UUID [16]byte

// MarshalText implements encoding.TextMarshaler.
func (u UUID) MarshalText() ([]byte, error) {
	return []byte(hex.EncodeToString(u[:4]) + "-" + hex.EncodeToString(u[4:6]) + "-" + hex.EncodeToString(u[6:8]) + "-" + hex.EncodeToString(u[8:10]) + "-" + hex.EncodeToString(u[10:])), nil
}

// Node is keyed by its ID.
type Node struct {
	ID   UUID
	Addr netip.Addr
}

// Target embeds a text marshaler: the promoted MarshalText is the
// address's alone, so Target is keyed by its fields.
type Target struct {
	netip.Addr
	Port int
}

// Stamp embeds a time; MaybeStamp a pointer to one, which may be nil.
type Stamp struct {
	time.Time
	Seq int
}

// MaybeStamp embeds a pointer to a time, which may be nil.
type MaybeStamp struct {
	*time.Time
	N int
}

//go:generate go run github.com/cachegen/cachegen/cmd/cachegen

// Lookups reads by identifiers that marshal to text.
type Lookups interface {
	//cache:expire=300 namespace=nodes
	ByID(ctx context.Context, id UUID) (string, error)
	//cache:expire=300 namespace=nodes
	ByAddr(ctx context.Context, addr netip.Addr, ip net.IP) (string, error)
	//cache:expire=300 namespace=nodes
	ByNode(ctx context.Context, n *Node, ids []UUID) (string, error)
	//cache:expire=300 namespace=nodes
	ByNumber(ctx context.Context, n *big.Int) (string, error)
	//cache:expire=300 namespace=nodes
	ByTarget(ctx context.Context, t Target) (string, error)
	//cache:expire=300 namespace=nodes
	ByStamp(ctx context.Context, s Stamp, m MaybeStamp) (string, error)
	//cache:expire=300 namespace=nodes
	ByText(ctx context.Context, t encoding.TextMarshaler, s fmt.Stringer) (string, error)
}
