package generator

import (
	"go/types"
	"strings"
)

// rewrapKind returns what the wrapper does with an unannotated method m of
// the interface named: Rewrap when m returns the interface itself (and an
// error), so that the repository it returns is wrapped with the same cache
// instead of escaping it; TxScoped when, besides, m looks like it scopes the
// repository to a database transaction (its name, or the name of a
// parameter's type, has Tx, Txn or Transaction in it: WithTx(tx *sql.Tx),
// NewWithTx(tx pgx.Tx)); else PassThrough.
func rewrapKind(m *Method, named *types.Named) MethodKind {
	values := m.Values()
	if values != 1 || len(m.Results) > 2 || !types.Identical(m.Results[0], named) {
		return PassThrough
	}
	if looksLikeTx(m.Name) {
		return TxScoped
	}
	for _, p := range m.Params {
		t := types.Unalias(p.Type)
		if ptr, ok := t.(*types.Pointer); ok {
			t = types.Unalias(ptr.Elem())
		}
		if n, ok := t.(*types.Named); ok && looksLikeTx(n.Obj().Name()) {
			return TxScoped
		}
	}
	return Rewrap
}

// looksLikeTx reports whether name speaks of a transaction: Tx, TX, Txn or
// Transaction as a word of a mixed-caps name (WithTx, BeginTxn, Tx,
// InTransaction), not inside another word (Context, Ctx).
func looksLikeTx(name string) bool {
	for _, w := range []string{"Tx", "TX", "Txn", "Transaction"} {
		for i := 0; ; {
			j := strings.Index(name[i:], w)
			if j < 0 {
				break
			}
			j += i
			end := j + len(w)
			if end == len(name) || !isLower(name[end]) || w == "Tx" && name[end] == 'n' {
				return true
			}
			i = j + 1
		}
	}
	return false
}

func isLower(b byte) bool { return 'a' <= b && b <= 'z' }
