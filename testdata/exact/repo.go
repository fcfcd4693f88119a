// Package exact holds result types that look hard for a JSON cache but come
// back exactly: cachegen accepts them, and exact_test.go checks each round
// trip through the generated wrapper.
package exact

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"math/big"
	"strconv"
	"time"
)

// UUID marshals itself as text with a value receiver and unmarshals with a
// pointer receiver, as github.com/google/uuid does.
type UUID [16]byte

func (u UUID) MarshalText() ([]byte, error) { return []byte(hex.EncodeToString(u[:])), nil }

func (u *UUID) UnmarshalText(b []byte) error {
	_, err := hex.Decode(u[:], b)
	return err
}

// Money has a value MarshalJSON and a pointer UnmarshalJSON.
type Money struct{ Cents int64 }

func (m Money) MarshalJSON() ([]byte, error) { return []byte(strconv.FormatInt(m.Cents, 10)), nil }

func (m *Money) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &m.Cents) }

// Audit is embedded by value: its fields are promoted.
type Audit struct {
	CreatedBy string
	UpdatedBy string `json:"updated_by,omitempty"`
}

// Extra is embedded through a pointer.
type Extra struct {
	Note string `json:"note"`
}

// Seen is embedded through a pointer. Its only field is omitempty but a
// struct, which encoding/json always writes: a non-nil *Seen comes back.
type Seen struct {
	LastSeen time.Time `json:"last_seen,omitempty"`
}

// Account uses nullable timestamps, pointer-receiver marshalers by value,
// self-marshalling keys, embedded structs and raw JSON.
type Account struct {
	ID        UUID
	Parent    *UUID
	CreatedAt time.Time
	DeletedAt *time.Time
	Balance   big.Int // MarshalJSON on *big.Int: called, as the value is encoded through a pointer
	Limit     *big.Int
	History   []big.Int
	Price     Money
	PriceWas  *Money
	Raw       json.RawMessage
	RawPtr    *json.RawMessage
	Shares    map[UUID]int
	Limits    map[string]*big.Int
	Blob      []byte
	Empty     []int
	Audit
	*Extra
	*Seen
	Flags   struct{} // no data: nothing to lose
	noCopy  struct{}
	Renamed string `json:"name"`
}

// AccountRepository reads and writes accounts.
type AccountRepository interface {
	//cache:expire=5m namespace=accounts
	GetAccount(ctx context.Context, id UUID) (Account, error)
	//cache:expire=5m namespace=accounts
	ListAccounts(ctx context.Context) ([]*Account, int, error)
	//cache:expire=5m namespace=accounts
	Limits(ctx context.Context) (map[string]*big.Int, error)
	//cache:invalidate namespace=accounts
	SaveAccount(ctx context.Context, a *Account) error
}

// NewRepository wraps next; it is here, beside the interface, to show that
// code using the generated names does not stop cachegen.
func NewRepository(next AccountRepository) AccountRepository {
	return NewCachedAccountRepository(next, nil)
}
