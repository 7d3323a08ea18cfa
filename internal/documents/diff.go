package documents

import (
	"regexp"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Op says what happened to a block or a run of words between two versions.
type Op string

// The operations of a diff.
const (
	Equal  Op = "equal"
	Insert Op = "insert"
	Delete Op = "delete"
	Change Op = "change" // a block kept its place and clause but its words changed: see Parts
	Skip   Op = "skip"   // Skipped unchanged blocks, left out by Context
)

// Part is a run of words in a changed block.
type Part struct {
	Op   Op     `json:"op"` // Equal, Insert or Delete
	Text string `json:"text"`
}

// DiffBlock is one block of the comparison of two versions.
type DiffBlock struct {
	Op      Op     `json:"op"`
	Block   Block  `json:"block"`           // the block in the newer version (the older for Delete)
	Parts   []Part `json:"parts,omitempty"` // Change only
	Skipped int    `json:"skipped,omitempty"`
}

// Diff compares two documents paragraph by paragraph (headings, list items and table
// rows count as paragraphs, whatever their line wrapping in the Markdown), and word by
// word inside a paragraph that changed, so a reader sees exactly what a new version
// changes.
func Diff(older, newer string) []DiffBlock {
	a, b := Blocks(older), Blocks(newer)
	key := func(bl Block) string {
		return string(bl.Kind) + "\x00" + bl.Marker + "\x00" + bl.Clause + "\x00" + bl.Text
	}
	ak, bk := make([]string, len(a)), make([]string, len(b))
	for i, bl := range a {
		ak[i] = key(bl)
	}
	for i, bl := range b {
		bk[i] = key(bl)
	}
	// No autojunk: in a long document the same short line ("Artikel") is not noise.
	m := difflib.NewMatcherWithJunk(ak, bk, false, nil)
	var out []DiffBlock
	for _, oc := range m.GetOpCodes() {
		switch oc.Tag {
		case 'e':
			for j := oc.J1; j < oc.J2; j++ {
				out = append(out, DiffBlock{Op: Equal, Block: b[j]})
			}
		case 'd':
			for i := oc.I1; i < oc.I2; i++ {
				out = append(out, DiffBlock{Op: Delete, Block: a[i]})
			}
		case 'i':
			for j := oc.J1; j < oc.J2; j++ {
				out = append(out, DiffBlock{Op: Insert, Block: b[j]})
			}
		case 'r':
			out = append(out, replaced(a[oc.I1:oc.I2], b[oc.J1:oc.J2])...)
		}
	}
	return out
}

// replaced pairs the blocks of a replaced range: a block that kept its kind and clause
// (or, without a clause, most of its words) is shown changed word by word; the rest as
// deleted and inserted.
func replaced(a, b []Block) []DiffBlock {
	var out []DiffBlock
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if parts, ok := pair(a[i], b[j]); ok {
			out = append(out, DiffBlock{Op: Change, Block: b[j], Parts: parts})
			i++
			j++
			continue
		}
		// Not a pair: whichever side has a match further on keeps its block for it.
		if j+1 < len(b) {
			if _, ok := pair(a[i], b[j+1]); ok {
				out = append(out, DiffBlock{Op: Insert, Block: b[j]})
				j++
				continue
			}
		}
		out = append(out, DiffBlock{Op: Delete, Block: a[i]})
		i++
	}
	for ; i < len(a); i++ {
		out = append(out, DiffBlock{Op: Delete, Block: a[i]})
	}
	for ; j < len(b); j++ {
		out = append(out, DiffBlock{Op: Insert, Block: b[j]})
	}
	return out
}

var wordRE = regexp.MustCompile(`\s+|[^\s]+`)

func pair(x, y Block) ([]Part, bool) {
	if x.Kind != y.Kind || x.Clause != y.Clause {
		return nil, false
	}
	xw, yw := wordRE.FindAllString(x.Text, -1), wordRE.FindAllString(y.Text, -1)
	m := difflib.NewMatcherWithJunk(xw, yw, false, nil)
	if x.Clause == "" && m.Ratio() < 0.5 {
		return nil, false
	}
	var parts []Part
	add := func(op Op, words []string) {
		t := strings.Join(words, "")
		if t == "" {
			return
		}
		if n := len(parts); n > 0 && parts[n-1].Op == op {
			parts[n-1].Text += t
			return
		}
		parts = append(parts, Part{Op: op, Text: t})
	}
	for _, oc := range m.GetOpCodes() {
		switch oc.Tag {
		case 'e':
			add(Equal, yw[oc.J1:oc.J2])
		case 'd':
			add(Delete, xw[oc.I1:oc.I2])
		case 'i':
			add(Insert, yw[oc.J1:oc.J2])
		case 'r':
			add(Delete, xw[oc.I1:oc.I2])
			add(Insert, yw[oc.J1:oc.J2])
		}
	}
	return parts, true
}

// Changed reports whether a diff holds any change.
func Changed(d []DiffBlock) bool {
	for _, b := range d {
		if b.Op != Equal && b.Op != Skip {
			return true
		}
	}
	return false
}

// Context keeps n unchanged blocks around each change, and the headings above a change
// (the nearest of each level), so a reader knows where it is; longer runs of unchanged
// blocks become one Skip block that counts them.
func Context(d []DiffBlock, n int) []DiffBlock {
	keep := make([]bool, len(d))
	for i, b := range d {
		if b.Op == Equal {
			continue
		}
		for k := max(0, i-n); k <= min(len(d)-1, i+n); k++ {
			keep[k] = true
		}
		level := 7
		for j := i - 1; j >= 0 && level > 1; j-- {
			if h := d[j].Block; h.Kind == BlockHeading && h.Level < level {
				keep[j], level = true, h.Level
			}
		}
	}
	var out []DiffBlock
	for i, b := range d {
		if keep[i] {
			out = append(out, b)
			continue
		}
		if k := len(out) - 1; k >= 0 && out[k].Op == Skip {
			out[k].Skipped++
			continue
		}
		out = append(out, DiffBlock{Op: Skip, Skipped: 1})
	}
	return out
}
