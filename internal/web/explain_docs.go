package web

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// The clause links of an explanation open the paragraph in the version of the document
// that applied to the decision, not whatever is in force when the page is read: the
// versions recorded for a contract when it was concluded (art. 6:234 BW: what the
// customer was shown and accepted), and for documents not recorded there, or for
// decisions outside a contract (an SLA month, a maintenance notice), the version in
// force on the day the decision concerns. A document never published gets no entry, so
// its links open the document page as it is.

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

// contractDocs is docsAt(on) with the versions recorded for contractID at conclusion
// laid over it.
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
		out[string(r.Kind)] = r.Version
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
