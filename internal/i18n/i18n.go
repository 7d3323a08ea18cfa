// Package i18n carries texts for people as a catalogue key with arguments, so a domain
// package can say what is wrong without choosing a language: the edge (web pages, mails)
// renders the text in the reader's language (DESIGN.md, principle 10). The model is
// Miniflux's locale.LocalizedError.
//
// The catalogue of domain texts lives here (messages_*.go), each key with its Dutch and
// English form side by side, so a text cannot be added in one language only
// (TestEveryKeyHasBothLanguages). The web package has its own catalogue for its pages.
package i18n

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Msg is a text for a person: a catalogue key and the values for its %-verbs. It is an
// error too; Error is the English text, for logs and the API.
type Msg struct {
	Key  string
	Args []any
}

// T returns the message key with args.
func T(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// rawKey marks a text from outside the catalogue (a library's or a parser's error
// message, already worded): it is shown as it is in every language.
const rawKey = "raw"

// Raw wraps a text that is not in the catalogue, such as an XML parser's message.
func Raw(text string) Msg { return Msg{Key: rawKey, Args: []any{text}} }

// Texter is a text that renders itself in a language, like a probe's reasons.
type Texter interface{ Text(lang string) string }

// textKey marks a message that is a Texter.
const textKey = "text"

// Of wraps a Texter as a message.
func Of(t Texter) Msg { return Msg{Key: textKey, Args: []any{t}} }

// From returns err as a message: the Msg it is or wraps, a Texter it is or wraps, else
// its text as Raw.
func From(err error) Msg {
	var m Msg
	if errors.As(err, &m) {
		return m
	}
	var t Texter
	if errors.As(err, &t) {
		return Of(t)
	}
	return Raw(err.Error())
}

// Missing is how a key that is not in the catalogue shows: the tests of every page look
// for the mark.
func Missing(key string) string { return "⟦" + key + "⟧" }

// Localized is a value that writes itself for a reader of a language, like terms.Money
// and terms.Date.
type Localized interface{ In(lang string) string }

// In renders m in lang ("nl" or "en"). Arguments that are Localized (money, dates, other
// messages) are written in the same language.
func (m Msg) In(lang string) string {
	if m.Key == rawKey && len(m.Args) == 1 {
		return fmt.Sprint(m.Args[0])
	}
	if t, ok := m.Args0().(Texter); ok && m.Key == textKey {
		return t.Text(lang)
	}
	f, ok := Lookup(lang, m.Key)
	if !ok {
		return Missing(m.Key)
	}
	if len(m.Args) == 0 {
		return f
	}
	return OneDot(fmt.Sprintf(f, Args(lang, m.Args)...))
}

// Args writes the Localized values among args in lang, leaving the others to fmt.
func Args(lang string, args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if l, ok := a.(Localized); ok {
			out[i] = l.In(lang)
		} else {
			out[i] = a
		}
	}
	return out
}

func (m Msg) Error() string  { return m.In("en") }
func (m Msg) String() string { return m.In("en") }

// Args0 returns the first argument, or nil.
func (m Msg) Args0() any {
	if len(m.Args) == 0 {
		return nil
	}
	return m.Args[0]
}

// IsZero reports whether m holds no text.
func (m Msg) IsZero() bool { return m.Key == "" }

// Lookup returns the catalogue text of key in lang.
func Lookup(lang, key string) (string, bool) {
	t, ok := catalogue[key]
	if !ok {
		return "", false
	}
	if lang == "en" {
		return t[1], true
	}
	return t[0], true
}

// Keys returns every key of the catalogue, for tests.
func Keys() []string {
	out := make([]string, 0, len(catalogue))
	for k := range catalogue {
		out = append(out, k)
	}
	return out
}

// catalogue is key → {Dutch, English}; the messages_*.go files fill it.
var catalogue = map[string][2]string{}

func add(m map[string][2]string) bool {
	for k, v := range m {
		if _, dup := catalogue[k]; dup {
			panic("i18n: key " + k + " twice")
		}
		catalogue[k] = v
	}
	return true
}

// Sentence starts text with a capital and ends it with a full stop: catalogue texts are
// fragments ("choose a country") that the API returns as they are and a page shows as a
// sentence.
func Sentence(text string) string {
	text = strings.TrimSpace(text)
	if text == "" {
		return text
	}
	r, n := utf8.DecodeRuneInString(text)
	text = string(unicode.ToUpper(r)) + text[n:]
	if !strings.HasSuffix(text, ".") && !strings.HasSuffix(text, "?") && !strings.HasSuffix(text, "!") {
		text += "."
	}
	return text
}

// List is messages joined as words: "a, b en c" in Dutch, "a, b and c" in English.
type List []Msg

// In writes the list in lang.
func (l List) In(lang string) string {
	parts := make([]string, len(l))
	for i, m := range l {
		parts[i] = m.In(lang)
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	and := " and "
	if lang != "en" {
		and = " en "
	}
	return strings.Join(parts[:len(parts)-1], ", ") + and + parts[len(parts)-1]
}
