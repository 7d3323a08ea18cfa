package documents

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	east "github.com/yuin/goldmark/extension/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// A paragraph, list item or heading carries a clause id with a trailing `{#id}`, as in
//
//	Een zakelijke klant zegt op met een termijn van twee maanden. {#cp.av.13.3}
//
// and is rendered with that id as its anchor (`<p id="cp.av.13.3">`), so that an
// explanation citing cp.av.13.3 links to the paragraph of the version that applied.
// Clause ids are those of clauses.yaml: lower-case words joined by dots, at least one
// dot, so they never collide with the page's own ids ("main", "f-body").
var clauseIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$`)

const maxClauseID = 64

// ValidClauseID reports whether id may anchor a paragraph.
func ValidClauseID(id string) bool { return len(id) <= maxClauseID && clauseIDRE.MatchString(id) }

// trailingMarkerRE finds a `{#…}` at the end of a line; what is inside is checked with
// ValidClauseID, so a malformed marker stays visible text (and Validate names it).
var trailingMarkerRE = regexp.MustCompile(`[ \t]*\{#([^{}\s]*)\}[ \t\r\n]*$`)

// trailingClause returns the clause id at the end of line and the length of the text
// before it (trailing blanks removed).
func trailingClause(line []byte) (id string, keep int, ok bool) {
	m := trailingMarkerRE.FindSubmatchIndex(line)
	if m == nil {
		return "", 0, false
	}
	id = string(line[m[2]:m[3]])
	if !ValidClauseID(id) {
		return "", 0, false
	}
	return id, len(bytes.TrimRight(line[:m[0]], " \t\r\n")), true
}

// looseMarkerRE is any `{#…}` at the end of a text, spaces inside included.
var looseMarkerRE = regexp.MustCompile(`\{#([^{}]*)\}\s*$`)

// markerLine reports whether line holds a `{#…}` marker at its end, valid or not.
func markerLine(line string) (id string, ok bool) {
	m := looseMarkerRE.FindStringSubmatch(line)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// tightItems remembers, per parse, the clause ids of paragraphs that a tight list turns
// into text blocks (goldmark drops their attributes), keyed by the end of their text.
var tightItems = parser.NewContextKey()

// clauseParagraphs moves a paragraph's trailing `{#id}` into its id attribute. It runs
// before inline parsing, on the paragraph's lines, so emphasis or links in the text
// cannot split the marker.
type clauseParagraphs struct{}

func (clauseParagraphs) Transform(p *ast.Paragraph, reader text.Reader, pc parser.Context) {
	lines := p.Lines()
	n := lines.Len()
	if n == 0 {
		return
	}
	src := reader.Source()
	last := lines.At(n - 1)
	id, keep, ok := trailingClause(src[last.Start:last.Stop])
	if !ok {
		return
	}
	if keep == 0 {
		if n == 1 {
			return // a paragraph of only a marker is text, not an anchor for nothing
		}
		// The marker stood on a line of its own: drop the line, and trim the one before
		// as goldmark trims a paragraph's last line.
		lines.SetSliced(0, n-1)
		n--
		prev := lines.At(n - 1)
		lines.Set(n-1, prev.TrimRightSpace(src))
		last = lines.At(n - 1)
	} else {
		last.Stop = last.Start + keep
		lines.Set(n-1, last)
	}
	p.SetAttributeString("id", []byte(id))
	m, _ := pc.Get(tightItems).(map[int]string)
	if m == nil {
		m = map[int]string{}
		pc.Set(tightItems, m)
	}
	m[last.Stop] = id
}

// clauseBlocks gives a tight list's items the ids their paragraphs had, and reads the
// trailing `{#id}` of headings (whose text is inline-parsed by then: the marker is at
// the end of the last text node).
type clauseBlocks struct{}

func (clauseBlocks) Transform(doc *ast.Document, reader text.Reader, pc parser.Context) {
	src := reader.Source()
	items, _ := pc.Get(tightItems).(map[int]string)
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch b := n.(type) {
		case *ast.TextBlock:
			if b.Lines().Len() == 0 || items == nil {
				break
			}
			id, ok := items[b.Lines().At(b.Lines().Len()-1).Stop]
			if li, isItem := b.Parent().(*ast.ListItem); ok && isItem && b == li.FirstChild() {
				if _, has := li.AttributeString("id"); !has {
					li.SetAttributeString("id", []byte(id))
				}
			}
		case *ast.Heading:
			t, ok := b.LastChild().(*ast.Text)
			if !ok {
				break
			}
			seg := t.Segment
			id, keep, ok := trailingClause(src[seg.Start:seg.Stop])
			if !ok || keep == 0 && b.ChildCount() == 1 {
				break
			}
			t.Segment = text.NewSegment(seg.Start, seg.Start+keep)
			b.SetAttributeString("id", []byte(id))
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
}

// ClauseIDs is the goldmark extension for clause anchors.
type ClauseIDs struct{}

// Extend adds the clause-id transformers to m's parser.
func (ClauseIDs) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(
		parser.WithParagraphTransformers(util.Prioritized(clauseParagraphs{}, 200)),
		parser.WithASTTransformers(util.Prioritized(clauseBlocks{}, 200)),
	)
}

// markdown renders documents. Raw HTML is not rendered (goldmark's default, without
// html.WithUnsafe: it becomes a comment) and links with a dangerous scheme lose their
// href, so a document cannot carry script into the public pages. Tables are allowed
// (retention periods in the privacy statement read best as one).
var markdown = goldmark.New(goldmark.WithExtensions(extension.Table, ClauseIDs{}))

// RenderHTML renders a document's Markdown as HTML that is safe to put in a page.
func RenderHTML(body string) (string, error) {
	var b strings.Builder
	if err := markdown.Convert([]byte(body), &b); err != nil {
		return "", err
	}
	return b.String(), nil
}

// BlockKind is what a block of a document is.
type BlockKind string

// The kinds of block.
const (
	BlockHeading   BlockKind = "heading"
	BlockParagraph BlockKind = "paragraph"
	BlockItem      BlockKind = "item" // a list item; Marker is its bullet or number
	BlockCode      BlockKind = "code"
	BlockRow       BlockKind = "row" // a table row, cells separated by " | "
	BlockRule      BlockKind = "rule"
)

// Block is one paragraph, heading, list item or table row of a document as plain text:
// what the PDF prints and the diff compares.
type Block struct {
	Kind   BlockKind `json:"kind"`
	Level  int       `json:"level,omitempty"` // heading level, or list depth (0 = outermost)
	Marker string    `json:"marker,omitempty"`
	Clause string    `json:"clause,omitempty"`
	Text   string    `json:"text"`
}

// Blocks parses body into its blocks.
func Blocks(body string) []Block {
	src := []byte(body)
	doc := markdown.Parser().Parse(text.NewReader(src))
	var out []Block
	collectBlocks(doc, src, 0, &out)
	return out
}

func clauseOf(n ast.Node) string {
	if v, ok := n.AttributeString("id"); ok {
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	}
	return ""
}

func collectBlocks(parent ast.Node, src []byte, depth int, out *[]Block) {
	collectFrom(parent.FirstChild(), src, depth, out)
}

// collectFrom collects the blocks of first and its following siblings.
func collectFrom(first ast.Node, src []byte, depth int, out *[]Block) {
	for n := first; n != nil; n = n.NextSibling() {
		switch b := n.(type) {
		case *ast.Heading:
			*out = append(*out, Block{Kind: BlockHeading, Level: b.Level, Clause: clauseOf(b), Text: inlineText(b, src)})
		case *ast.Paragraph, *ast.TextBlock:
			*out = append(*out, Block{Kind: BlockParagraph, Level: depth, Clause: clauseOf(b), Text: inlineText(b, src)})
		case *ast.List:
			i := b.Start
			for item := b.FirstChild(); item != nil; item = item.NextSibling() {
				marker := "•"
				if b.IsOrdered() {
					marker = strconv.Itoa(i) + "."
					i++
				}
				first := item.FirstChild()
				blk := Block{Kind: BlockItem, Level: depth, Marker: marker, Clause: clauseOf(item)}
				if first != nil && (first.Kind() == ast.KindParagraph || first.Kind() == ast.KindTextBlock) {
					blk.Text = inlineText(first, src)
					if blk.Clause == "" {
						blk.Clause = clauseOf(first)
					}
					first = first.NextSibling()
				}
				*out = append(*out, blk)
				collectFrom(first, src, depth+1, out)
			}
		case *ast.Blockquote:
			collectBlocks(b, src, depth, out)
		case *ast.FencedCodeBlock, *ast.CodeBlock:
			var t strings.Builder
			for i := 0; i < n.Lines().Len(); i++ {
				seg := n.Lines().At(i)
				t.Write(seg.Value(src))
			}
			*out = append(*out, Block{Kind: BlockCode, Level: depth, Text: strings.TrimRight(t.String(), "\n")})
		case *ast.ThematicBreak:
			*out = append(*out, Block{Kind: BlockRule, Level: depth})
		case *east.Table:
			for row := b.FirstChild(); row != nil; row = row.NextSibling() {
				var cells []string
				for cell := row.FirstChild(); cell != nil; cell = cell.NextSibling() {
					cells = append(cells, inlineText(cell, src))
				}
				*out = append(*out, Block{Kind: BlockRow, Level: depth, Text: strings.Join(cells, " | ")})
			}
		}
		// HTML blocks are not rendered, so they are not text of the document either.
	}
}

// inlineText is the plain text of n's inline content; a link keeps its address after
// its text, so a printed copy still says where it points.
func inlineText(n ast.Node, src []byte) string {
	var b strings.Builder
	writeInline(n, src, &b)
	return strings.TrimSpace(b.String())
}

func writeInline(n ast.Node, src []byte, b *strings.Builder) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(src))
			switch {
			case t.HardLineBreak():
				b.WriteByte('\n')
			case t.SoftLineBreak():
				b.WriteByte(' ')
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.AutoLink:
			b.Write(t.URL(src))
		case *ast.RawHTML:
			// not rendered
		case *ast.Link:
			start := b.Len()
			writeInline(t, src, b)
			dest := string(t.Destination)
			if (strings.HasPrefix(dest, "http://") || strings.HasPrefix(dest, "https://") || strings.HasPrefix(dest, "mailto:")) &&
				b.String()[start:] != strings.TrimPrefix(dest, "mailto:") {
				b.WriteString(" (" + strings.TrimPrefix(dest, "mailto:") + ")")
			}
		default:
			writeInline(c, src, b)
		}
	}
}

// Clauses lists the clause ids of body's paragraphs, items and headings in document
// order.
func Clauses(body string) []string {
	var out []string
	for _, b := range Blocks(body) {
		if b.Clause != "" {
			out = append(out, b.Clause)
		}
	}
	return out
}
