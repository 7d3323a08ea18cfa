package i18n

import (
	"regexp"
	"strings"
)

// doubleDot is a letter's abbreviation dot followed by a sentence's closing dot (and
// not a third: an ellipsis stays).
var doubleDot = regexp.MustCompile(`(\pL)\.\.([^.]|$)`)

// OneDot writes a sentence's closing dot once when a value ending in an abbreviation
// ends the sentence: a message "… bij %s." with "Cloudprovider B.V." reads "… bij
// Cloudprovider B.V.", not "B.V..". Pages (translate), mails (notify templates) and
// domain messages pass their rendered text through it, so no caller has to know
// which names end in a dot.
func OneDot(s string) string {
	if !strings.Contains(s, "..") {
		return s
	}
	return doubleDot.ReplaceAllString(s, "$1.$2")
}
