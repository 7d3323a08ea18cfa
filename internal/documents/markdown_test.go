package documents

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestClauseAnchors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, md string
		want     []string // substrings of the HTML
		lacks    []string
	}{
		{"paragraph", "Een zakelijke klant zegt twee maanden vooraf op. {#cp.av.13.3}\n",
			[]string{`<p id="cp.av.13.3">Een zakelijke klant zegt twee maanden vooraf op.</p>`}, []string{"{#"}},
		{"wrapped paragraph", "Een zakelijke klant\nzegt op. {#cp.av.13.3}\n",
			[]string{`<p id="cp.av.13.3">Een zakelijke klant` + "\n" + `zegt op.</p>`}, nil},
		{"marker on its own line", "Een zakelijke klant zegt op.\n{#cp.av.13.3}\n",
			[]string{`<p id="cp.av.13.3">Een zakelijke klant zegt op.</p>`}, []string{"{#"}},
		{"emphasis before the marker", "Je betaalt *binnen een maand*. {#cp.av.14.1}\n",
			[]string{`<p id="cp.av.14.1">Je betaalt <em>binnen een maand</em>.</p>`}, nil},
		{"emphasis around the marker stays text", "*Tekst {#cp.av.1.1}*\n", []string{`<p><em>Tekst {#cp.av.1.1}</em></p>`}, []string{` id=`}},
		{"heading", "## Artikel 13 *Opzegging* {#voorwaarden.artikel-13}\n", []string{`<h2 id="voorwaarden.artikel-13">Artikel 13 <em>Opzegging</em></h2>`}, nil},
		{"tight list", "- per e-mail {#cp.av.13.4}\n- per brief\n", []string{`<li id="cp.av.13.4">per e-mail</li>`, `<li>per brief</li>`}, nil},
		{"loose list", "1. eerste {#cp.av.14.1}\n\n2. tweede {#cp.av.14.2}\n", []string{`<p id="cp.av.14.1">eerste</p>`, `<p id="cp.av.14.2">tweede</p>`}, nil},
		{"quote", "> Geciteerd. {#cp.av.2.1}\n", []string{`<blockquote>` + "\n" + `<p id="cp.av.2.1">Geciteerd.</p>`}, nil},
		{"only a marker", "{#cp.av.1.1}\n", []string{`<p>{#cp.av.1.1}</p>`}, []string{` id=`}},
		{"no dot", "Tekst. {#main}\n", []string{`<p>Tekst. {#main}</p>`}, []string{` id=`}},
		{"upper case", "Tekst. {#CP.AV.1}\n", []string{`{#CP.AV.1}`}, []string{` id=`}},
		{"quotes in the id", "Tekst. {#a.\"onmouseover=x}\n", []string{`{#a.&quot;onmouseover=x}`}, []string{` id=`}},
		{"marker mid-paragraph", "Tekst {#cp.av.1.1} en meer.\n", []string{`<p>Tekst {#cp.av.1.1} en meer.</p>`}, nil},
		{"code keeps its text", "```\nx {#cp.av.1.1}\n```\n", []string{`<code>x {#cp.av.1.1}`}, []string{` id=`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := RenderHTML(tc.md)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(h, w) {
					t.Errorf("want %q in\n%s", w, h)
				}
			}
			for _, l := range tc.lacks {
				if strings.Contains(h, l) {
					t.Errorf("want no %q in\n%s", l, h)
				}
			}
		})
	}
}

func TestBlocksCarryClauses(t *testing.T) {
	t.Parallel()
	bs := Blocks("# Titel {#cp.av}\n\n1. Je zegt op\n   per e-mail. {#cp.av.13.4}\n2. [Portaal](https://portal.example/) {#cp.av.13.5}\n   - genest\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n<div>rauw</div>\n")
	want := []Block{
		{Kind: BlockHeading, Level: 1, Clause: "cp.av", Text: "Titel"},
		{Kind: BlockItem, Marker: "1.", Clause: "cp.av.13.4", Text: "Je zegt op per e-mail."},
		{Kind: BlockItem, Marker: "2.", Clause: "cp.av.13.5", Text: "Portaal (https://portal.example/)"},
		{Kind: BlockItem, Level: 1, Marker: "•", Text: "genest"},
		{Kind: BlockRow, Text: "a | b"},
		{Kind: BlockRow, Text: "1 | 2"},
	}
	if len(bs) != len(want) {
		t.Fatalf("blocks: %+v", bs)
	}
	for i := range want {
		if bs[i] != want[i] {
			t.Errorf("block %d: %+v, want %+v", i, bs[i], want[i])
		}
	}
}

// Raw HTML in a document is not rendered, and no link or image runs script: a document
// is shown on public pages and staff who write it are not trusted with the pages.
func TestRawHTMLIsNotRendered(t *testing.T) {
	t.Parallel()
	for _, md := range []string{
		"<script>alert(1)</script>\n",
		"Tekst <script>alert(1)</script> tekst.\n",
		"<img src=x onerror=alert(1)>\n",
		"Tekst <img src=x onerror=alert(1)>.\n",
		"<iframe src=\"https://evil.example\"></iframe>\n",
		"[klik](javascript:alert(1))\n",
		"[klik](JaVaScRiPt:alert(1))\n",
		"![x](javascript:alert(1))\n",
		"[klik](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n",
		"<a href=\"javascript:alert(1)\">klik</a>\n",
		"## Kop {onclick=alert(1)}\n",
		"Tekst. {#cp.av.1.1\" onclick=\"alert(1)}\n",
		"<style>body{display:none}</style>\n",
		"<!-- <script>alert(1)</script> -->\n",
	} {
		h, err := RenderHTML(md)
		if err != nil {
			t.Fatal(err)
		}
		low := strings.ToLower(h)
		for _, bad := range []string{"<script", "<img src=x", "onerror=", "<iframe", "javascript:", "data:text/html", "<a href=\"javascript", "<style", "onclick=\""} {
			if strings.Contains(low, bad) {
				t.Errorf("%q rendered %q", md, h)
			}
		}
	}
}

var idAttrRE = regexp.MustCompile(`\sid="([^"]*)"`)

// FuzzClauseAnchors: whatever staff type, rendering does not fail, every id it writes is
// a valid clause id, no script gets through, and the plain-text blocks agree with the
// HTML about which clauses there are.
func FuzzClauseAnchors(f *testing.F) {
	for _, s := range []string{
		"Tekst. {#cp.av.13.3}\n", "## Kop {#voorwaarden.artikel-13}\n", "- a {#cp.av.1.1}\n- b {#cp.av.1.2}\n",
		"Tekst\n{#cp.av.1.1}\n", "{#cp.av.1.1}", "*a {#x.y}*", "> q {#a.b}\n", "1. a\n\n   b {#a.b}\n",
		"Tekst {#a.b}{#c.d}\n", "Tekst { #a.b }\n", "```\n{#a.b}\n```\n", "| a {#a.b} |\n|---|\n| b |\n",
		"<p id=\"x\">{#a.b}</p>\n", "\r\n{#a.b}\r\n", "[x](y) {#a.b}\n", "Setext {#a.b}\n===\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		h, err := RenderHTML(md)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, m := range idAttrRE.FindAllStringSubmatch(h, -1) {
			if !ValidClauseID(m[1]) {
				t.Fatalf("id %q rendered from %q:\n%s", m[1], md, h)
			}
			ids[m[1]] = true
		}
		if bytes.Contains(bytes.ToLower([]byte(h)), []byte("<script")) {
			t.Fatalf("script rendered from %q", md)
		}
		for _, c := range Clauses(md) {
			if !ValidClauseID(c) {
				t.Fatalf("clause %q from %q", c, md)
			}
			if !ids[c] {
				t.Fatalf("clause %q of the text has no anchor in the HTML of %q:\n%s", c, md, h)
			}
		}
	})
}
