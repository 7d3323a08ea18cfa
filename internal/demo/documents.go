package demo

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/documents"
)

// The demo provider's published documents, in Dutch and English: written by us in our
// own words, short, with the clause ids of the cloudprovider pack (clauses.yaml) as
// paragraph anchors, so the pack's explanations link to the paragraph they cite.
//
//go:embed documents/*.md
var documentFS embed.FS

// documentsPack is the pack whose clause ids the demo documents carry.
const documentsPack = "cloudprovider"

// demoDocument splits a document file into its title (the first "# " line) and body.
func demoDocument(k documents.Kind, lang string) (title, body string, err error) {
	b, err := documentFS.ReadFile("documents/" + string(k) + "." + lang + ".md")
	if err != nil {
		return "", "", err
	}
	first, rest, _ := strings.Cut(string(b), "\n")
	title, ok := strings.CutPrefix(first, "# ")
	if !ok {
		return "", "", fmt.Errorf("demo document %s.%s: the first line is not its title", k, lang)
	}
	return strings.TrimSpace(title), strings.TrimLeft(rest, "\n"), nil
}

// seedDocuments publishes every demo document that has no version yet in its
// language, effective today, as the demo administrator.
func seedDocuments(ctx context.Context, a *app.App) error {
	if a.Pack.Name != documentsPack {
		return nil
	}
	admin, err := a.Accounts.FindUserByEmail(ctx, staff[0].email)
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	by := accounts.Principal{User: admin}
	today := a.Documents.Today()
	for _, k := range documents.Kinds {
		have, err := a.Documents.History(ctx, k)
		if err != nil {
			return err
		}
		for _, lang := range documents.Languages {
			if slices.ContainsFunc(have, func(v documents.Version) bool { return v.Lang == lang }) {
				continue
			}
			title, body, err := demoDocument(k, lang)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			} else if err != nil {
				return err
			}
			if _, err := a.Documents.Publish(ctx, by, documents.Input{Kind: k, Version: today.String(), Lang: lang, Title: title,
				Body: body, EffectiveOn: today}, ""); err != nil {
				return fmt.Errorf("demo document %s.%s: %w", k, lang, err)
			}
		}
	}
	return nil
}
