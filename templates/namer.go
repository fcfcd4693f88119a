package templates

import (
	"go/token"
	"strconv"
)

// namer hands out identifiers unique within one scope.
type namer struct {
	taken map[string]bool
}

func newNamer(reserved ...[]string) *namer {
	n := &namer{taken: map[string]bool{}}
	for _, list := range reserved {
		for _, s := range list {
			n.taken[s] = true
		}
	}
	return n
}

// name returns want if it is a free identifier, else want2, want3 and so on.
func (n *namer) name(want string) string {
	if want == "" || want == "_" || !token.IsIdentifier(want) {
		want = "p"
	}
	got := want
	for i := 2; n.taken[got]; i++ {
		got = want + strconv.Itoa(i)
	}
	n.taken[got] = true
	return got
}
