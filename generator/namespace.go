package generator

import "strings"

// validName reports whether s can be a namespace: the rule of
// cache.ValidateName in the runtime module, which this module does not
// require (so that the tool installs with go run ...@version). Not empty,
// and free of { } * ? [ ], whitespace and control characters.
// testdata/names_test.go checks that the two agree.
func validName(s string) bool {
	return s != "" && strings.IndexFunc(s, badNameRune) < 0
}

func badNameRune(r rune) bool {
	switch r {
	case '{', '}', '*', '?', '[', ']', ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0:
		return true
	}
	return r < 0x20 || r == 0x7f
}
