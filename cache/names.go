package cache

import (
	"fmt"
	"strings"
)

// ValidateName reports whether s can be a key prefix or a namespace: not
// empty, and free of the characters that Redis hash tags and SCAN patterns
// give a meaning to ({ } * ? [ ]), of whitespace and of control characters.
func ValidateName(s string) error {
	if s == "" {
		return fmt.Errorf("cache: name must not be empty")
	}
	if i := strings.IndexFunc(s, badNameRune); i >= 0 {
		return fmt.Errorf("cache: name %q contains %q at byte %d; use letters, digits and . _ - : / only", s, s[i:i+1], i)
	}
	return nil
}

func badNameRune(r rune) bool {
	switch r {
	case '{', '}', '*', '?', '[', ']', ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0xA0:
		return true
	}
	return r < 0x20 || r == 0x7f
}
