package store

import (
	"strconv"
	"strings"
)

// InList is the parenthesised parameter list "($first, $first+1, …)" of an IN over
// values, and the values as arguments to append after the query's first-1 others. An
// empty list is "(NULL)", which matches nothing on both engines.
func InList[T any](first int, values []T) (string, []any) {
	if len(values) == 0 {
		return "(NULL)", nil
	}
	var b strings.Builder
	args := make([]any, len(values))
	b.WriteByte('(')
	for i, v := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(first + i))
		args[i] = v
	}
	b.WriteByte(')')
	return b.String(), args
}
