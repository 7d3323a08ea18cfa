package app

import (
	"context"

	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// contractsDocuments lets contracts record, in the transaction that concludes a
// contract, the published document versions the order showed (art. 6:234 BW), and
// link them in the confirmation.
type contractsDocuments struct{ d *documents.Service }

func (c contractsDocuments) RecordShown(ctx context.Context, q store.Querier, contractID, orgID int64, consumer bool, lang string, on terms.Date) ([]contracts.ShownDocument, error) {
	refs, err := c.d.RecordShown(ctx, q, contractID, orgID, consumer, lang, on)
	if err != nil {
		return nil, err
	}
	out := make([]contracts.ShownDocument, len(refs))
	for i, r := range refs {
		out[i] = contracts.ShownDocument{Title: r.Title, Version: r.Version, URL: r.URL, Hash: r.Hash}
	}
	return out, nil
}
