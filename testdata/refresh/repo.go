// Package refresh caches a hot read whose entries are refreshed before
// they expire (refresh=).
package refresh

import "context"

// Price is one row.
type Price struct {
	Symbol string `json:"symbol"`
	Cents  int64  `json:"cents"`
}

// PriceRepository reads and writes prices.
type PriceRepository interface {
	//cache:expire=5m namespace=prices refresh=30s
	GetPrice(ctx context.Context, symbol string) (Price, error)
	//cache:invalidate namespace=prices
	SetPrice(ctx context.Context, p Price) error
}
