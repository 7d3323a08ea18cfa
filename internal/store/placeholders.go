package store

import (
	"strconv"
	"strings"
	"sync"
)

// SQLite reads "$1" as a named parameter, not a numbered one: at prepare it looks the
// name up in a list of the statement's names (a string comparison per name already
// seen), and at every bind the driver asks for each parameter's name, which SQLite
// finds by another linear scan (sqlite3_bind_parameter_name → sqlite3VListNumToName).
// A multi-row INSERT of 16,000 parameters is quadratic twice over; the billing run
// spent 62% of its CPU there (issue 16). "?NNN" does not help at bind: SQLite keeps
// "?NNN" in the same list so that bind_parameter_name can answer "?NNN". A plain "?"
// is numbered by position and has no name, so both prepare and bind are direct.
//
// The SQLite connection therefore runs each query with every "$N" replaced by "?", and
// the arguments put in the order the "?" appear: the k-th "?" gets argument N of the
// k-th "$N" in the text. Most queries name $1, $2, … once each in order, and their
// arguments pass unchanged. The SQL text the packages write stays the one both engines
// read; PostgreSQL's connection does not rewrite.

// A "$N" right after LIMIT or OFFSET becomes "CAST(? AS INTEGER)". SQLite reads a
// bare parameter there as a possible integer constant for its planner and marks the
// statement to be prepared again whenever that parameter is bound anew
// (sqlite3ExprIsInteger → sqlite3VdbeSetVarmask), so every list query, whose limit and
// offset are parameters, was parsed and planned again at every run: 15% of the portal
// home's CPU (issue 16). Behind CAST it is an expression like any other, and the
// statement stays prepared. An integer argument, the only kind a limit gets, means
// the same either way.

// positional is a query text rewritten for SQLite.
type positional struct {
	text string
	// order[k] is the 1-based argument the k-th "?" of text binds; nil means the
	// arguments bind as they are (the text names $1…$n once each, in order, or has no
	// parameters, or is left as it was).
	order []uint16
}

// maxPositional bounds the "?" of a rewritten text: SQLite's default maximum number of
// parameters (SQLITE_MAX_VARIABLE_NUMBER). A text with more is left as it was.
const maxPositional = 32766

// rewritePositional rewrites query's "$N" parameters to "?". It leaves the text as it
// is (ok false) when a rewrite could change what the statement means or when SQLite
// would reject the text anyway: any parameter other than "$N" with N a decimal without
// a leading zero ("?", "?7", ":name", "@name", "#name", "$name", "$01", "$1::x",
// "$1(x)"), a NUL byte (where SQLite's C string would end), more than one statement (each statement of a script numbers its own "?"
// from 1), an unterminated literal, quoted identifier or comment, or more than
// maxPositional parameters. Quoted text ('…', "…", `…`, […]) and comments (-- …, /* … */)
// are copied as they are: a "$1" inside them is not a parameter.
//
// The scanner follows SQLite's tokenizer (tokenize.c) for what it needs: an
// identifier or number may contain '$' and digits ("a$1", "x1"), so a '$' only starts a
// parameter where a token starts.
func rewritePositional(query string) (p positional, ok bool) {
	if strings.IndexByte(query, '$') < 0 || strings.IndexByte(query, 0) >= 0 {
		return positional{text: query}, false
	}
	var sb strings.Builder
	var order []uint16
	inOrder := true // order so far is 1, 2, 3, …
	copied := 0     // query[:copied] is in sb
	ended := false  // a ';' ended a statement
	word := ""      // the previous token, when it was an identifier or keyword
	n := len(query)
	for i := 0; i < n; {
		c := query[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
			continue
		case c == '-' && i+1 < n && query[i+1] == '-':
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				i = n
			} else {
				i += j + 1
			}
			continue
		case c == '/' && i+1 < n && query[i+1] == '*':
			j := strings.Index(query[i+2:], "*/")
			if j < 0 {
				return positional{text: query}, false
			}
			i += 2 + j + 2
			continue
		}
		// Any token after a ';' makes a second statement.
		if ended {
			return positional{text: query}, false
		}
		prev := word
		word = ""
		switch {
		case c == ';':
			ended = true
			i++
		case c == '\'' || c == '"' || c == '`':
			j, closed := skipQuoted(query, i, c)
			if !closed {
				return positional{text: query}, false
			}
			i = j
		case c == '[':
			j := strings.IndexByte(query[i:], ']')
			if j < 0 {
				return positional{text: query}, false
			}
			i += j + 1
		case c == '$':
			j := i + 1
			for j < n && isIDChar(query[j]) {
				j++
			}
			num := query[i+1 : j]
			// "$1::x" and "$1(x)" are one SQLite variable with a Tcl-style suffix.
			if num == "" || num[0] < '1' || num[0] > '9' || !allDigits(num) ||
				(j < n && (query[j] == '(' || (query[j] == ':' && j+1 < n && query[j+1] == ':'))) {
				return positional{text: query}, false
			}
			v, err := strconv.Atoi(num)
			if err != nil || v > maxPositional || len(order) == maxPositional {
				return positional{text: query}, false
			}
			sb.WriteString(query[copied:i])
			if strings.EqualFold(prev, "LIMIT") || strings.EqualFold(prev, "OFFSET") {
				sb.WriteString("CAST(? AS INTEGER)")
			} else {
				sb.WriteByte('?')
			}
			copied = j
			order = append(order, uint16(v))
			inOrder = inOrder && v == len(order)
			i = j
		case c == '?' || c == ':' || c == '@' || c == '#':
			return positional{text: query}, false
		case isIDChar(c):
			// An identifier, keyword or number: '$' and digits inside it are part of it.
			start := i
			for i < n && isIDChar(query[i]) {
				i++
			}
			word = query[start:i]
		default:
			i++
		}
	}
	if len(order) == 0 {
		return positional{text: query}, false
	}
	sb.WriteString(query[copied:])
	p.text = sb.String()
	if !inOrder {
		p.order = order
	}
	return p, true
}

// skipQuoted returns the index after the literal or quoted identifier that starts at
// query[i] with quote q (a doubled quote stands for itself), and whether it ends.
func skipQuoted(query string, i int, q byte) (int, bool) {
	for j := i + 1; j < len(query); j++ {
		if query[j] == q {
			if j+1 < len(query) && query[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return len(query), false
}

// isIDChar is SQLite's IdChar for UTF-8 text: letters, digits, '_', '$' and every byte
// of a multi-byte character.
func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '$' || c >= 0x80
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// positionalCache remembers the rewrite of each query text: the same few hundred
// texts run over and over. It is bounded in entries and in bytes (texts built per call,
// such as multi-row INSERTs of varying length, would otherwise grow it without end);
// when full, an arbitrary entry makes room.
type positionalCache struct {
	mu    sync.Mutex
	m     map[string]positional
	bytes int
}

const (
	maxPositionalEntries = 2048
	maxPositionalBytes   = 16 << 20
)

func (c *positionalCache) get(query string) positional {
	if strings.IndexByte(query, '$') < 0 {
		return positional{text: query}
	}
	c.mu.Lock()
	p, hit := c.m[query]
	c.mu.Unlock()
	if hit {
		return p
	}
	p, _ = rewritePositional(query)
	size := 2*len(query) + 2*len(p.order) + 64
	if size > maxPositionalBytes/16 {
		return p // too big to keep
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]positional{}
	}
	if _, dup := c.m[query]; dup {
		return p
	}
	for k, old := range c.m {
		if len(c.m) < maxPositionalEntries && c.bytes+size <= maxPositionalBytes {
			break
		}
		delete(c.m, k)
		c.bytes -= 2*len(k) + 2*len(old.order) + 64
	}
	c.m[query] = p
	c.bytes += size
	return p
}
