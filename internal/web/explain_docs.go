package web

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/terms"
)

// The clause links of an explanation open the paragraph in the version of the document
// that applied to the decision, not whatever is in force when the page is read. The
// rules run on the pack in force on the decision's day (a cancellation on the day it
// was received, an SLA month at its end), and changed terms apply to running contracts
// (cp.av.18.1-18.3), so the general terms link the version in force on that day. The withdrawal
// information is the exception: what the consumer was given at conclusion fixes the
// right of withdrawal for that contract (art. 6:230m BW), so its recorded version wins.
// A document never published gets no entry, so its links open the document page as it
// is.

// docsAt maps each document kind a clause can cite to the version in force on day (in
// lang, or the other language when lang has none).
func (s *server) docsAt(ctx context.Context, lang string, on terms.Date) map[string]string {
	if s.docs == nil {
		return nil
	}
	if on.IsZero() {
		on = s.today()
	}
	out := map[string]string{}
	for _, k := range clauseDocs {
		v, _, err := s.docs.Current(ctx, k, lang, on)
		switch {
		case err == nil:
			out[string(k)] = v.Version
		case !errors.Is(err, accounts.ErrNotFound):
			// A link to the current version is still a useful link; say why in the log.
			slog.WarnContext(ctx, "explanation links: document version", "kind", k, "err", err)
		}
	}
	return out
}

// contractDocs is docsAt(on) with the withdrawal information recorded for contractID at
// conclusion laid over it, and the other recorded versions filling kinds that had none
// in force on day.
func (s *server) contractDocs(ctx context.Context, contractID int64, lang string, on terms.Date) map[string]string {
	out := s.docsAt(ctx, lang, on)
	if s.docs == nil || contractID == 0 {
		return out
	}
	refs, err := s.docs.Shown(ctx, contractID)
	if err != nil {
		slog.WarnContext(ctx, "explanation links: documents shown", "contract", contractID, "err", err)
		return out
	}
	for _, r := range refs {
		if _, ok := out[string(r.Kind)]; !ok || r.Kind == documents.Withdrawal {
			out[string(r.Kind)] = r.Version
		}
	}
	return out
}

// monthEnd is the last day of a month written "2026-03"; the SLA that applied to a
// month is the one in force at its end (a zero date for a malformed month: the
// current version).
func monthEnd(month string) terms.Date {
	t, err := time.Parse("2006-01", month)
	if err != nil {
		return terms.Date{}
	}
	return terms.DateIn(t.AddDate(0, 1, -1), time.UTC)
}
