package cache

import (
	"reflect"
	"testing"
)

type labels map[string]int

func TestSortedKeys(t *testing.T) {
	if got := SortedKeys(labels{"b": 1, "c": 2, "a": 3}); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("SortedKeys = %v, want [a b c]", got)
	}
	if got := SortedKeys(map[int]bool{}); len(got) != 0 {
		t.Errorf("SortedKeys of an empty map = %v", got)
	}
}
