package cache

import (
	"cmp"
	"slices"
)

// SortedKeys returns m's keys in ascending order, so that a map argument
// gives the same key whatever its iteration order.
//
// SortedKeys is called by generated code; it is not part of the user API.
func SortedKeys[M ~map[K]V, K cmp.Ordered, V any](m M) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
