package documents

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/terms"
)

const (
	diffOld = `# Voorwaarden

## Opzegging {#voorwaarden.artikel-13}

Een zakelijke klant zegt op met een termijn van twee maanden. {#cp.av.13.3}

Je kunt opzeggen per e-mail of
per brief. {#cp.av.13.4}

Deze zin vervalt. {#cp.av.13.7}

## Betaling {#voorwaarden.artikel-14}

Je betaalt binnen een maand. {#cp.av.14.1}
`
	diffNew = `# Voorwaarden

## Opzegging {#voorwaarden.artikel-13}

Een zakelijke klant zegt op met een termijn van drie maanden. {#cp.av.13.3}

Je kunt opzeggen per e-mail of per brief. {#cp.av.13.4}

## Betaling {#voorwaarden.artikel-14}

Je betaalt binnen een maand. {#cp.av.14.1}

Een consument krijgt eerst een herinnering. {#cp.av.14.7}
`
)

func TestDiff(t *testing.T) {
	t.Parallel()
	d := Diff(diffOld, diffNew)
	var got []string
	for _, b := range d {
		got = append(got, string(b.Op)+" "+b.Block.Clause)
	}
	want := []string{"equal ", "equal voorwaarden.artikel-13", "change cp.av.13.3", "equal cp.av.13.4", "delete cp.av.13.7", "equal voorwaarden.artikel-14", "equal cp.av.14.1", "insert cp.av.14.7"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("diff:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	parts := d[2].Parts
	var del, ins string
	for _, p := range parts {
		switch p.Op {
		case Delete:
			del += p.Text
		case Insert:
			ins += p.Text
		}
	}
	if del != "twee" || ins != "drie" {
		t.Fatalf("word diff: %+v", parts)
	}
	if !Changed(d) || Changed(Diff(diffOld, diffOld)) {
		t.Fatal("Changed")
	}

	ctx := Context(d, 0)
	var ops []string
	for _, b := range ctx {
		ops = append(ops, string(b.Op))
	}
	// The title and the headings stay; the unchanged paragraphs are skipped.
	if strings.Join(ops, " ") != "equal equal change skip delete equal skip insert" {
		t.Fatalf("context: %v", ops)
	}
}

func TestDiffUnrelatedParagraphs(t *testing.T) {
	t.Parallel()
	d := Diff("Appels zijn rood.\n\nPeren.\n", "Het weer is mooi vandaag.\n\nPeren.\n")
	if len(d) != 3 || d[0].Op != Delete || d[1].Op != Insert || d[2].Op != Equal {
		t.Fatalf("unrelated paragraphs: %+v", d)
	}
}

func TestPDF(t *testing.T) {
	t.Parallel()
	for _, lang := range Languages {
		v := Version{ID: 1, Kind: Terms, Version: "2026-03-02", Lang: lang, Title: "Algemene voorwaarden", Body: diffNew + "\n- een\n- twee\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
			EffectiveOn: terms.D(2026, 3, 2), PublishedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		v.Hash = ContentHash(Input{Kind: v.Kind, Version: v.Version, Lang: v.Lang, Title: v.Title, Body: v.Body, EffectiveOn: v.EffectiveOn})
		pdf, err := PDF(v, "Cloud Provider B.V.", "https://portal.example")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF")) || len(pdf) < 1000 {
			t.Fatalf("%s: not a PDF (%d bytes)", lang, len(pdf))
		}
	}
}
