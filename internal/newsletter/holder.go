package newsletter

import (
	"context"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/store"
)

// Holder answers privacy.Holder for the newsletter's tables. Erasure removes the
// subscriber (and the deliveries naming them); the consent history stays as evidence
// that mail was sent on consent, anonymised: it keeps when and how, and loses the
// address it pointed to and the IP address it came from.
type Holder struct{}

// Package implements privacy.Holder.
func (Holder) Package() string { return "newsletter" }

// Tables implements privacy.Holder.
func (Holder) Tables() []string {
	return []string{"newsletter_subscribers", "newsletter_consents", "newsletter_deliveries"}
}

// PersonalData implements privacy.Holder.
func (Holder) PersonalData(ctx context.Context, q store.Querier, p privacy.Person) ([]privacy.Record, error) {
	var out []privacy.Record
	rows, err := q.QueryContext(ctx, `SELECT `+subscriberColumns+` FROM newsletter_subscribers WHERE email = $1`, p.Normal())
	if err != nil {
		return nil, err
	}
	var subs []Subscriber
	for rows.Next() {
		x, err := scanSubscriber(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		subs = append(subs, x)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for _, x := range subs {
		out = append(out, privacy.Record{Package: "newsletter", Table: "newsletter_subscribers", ID: fmt.Sprint(x.ID), Fields: map[string]any{
			"email": x.Email, "name": x.Name, "lang": x.Lang, "status": x.Status, "source": x.Source, "created_at": x.CreatedAt.Format(time.RFC3339)}})
		hs, err := history(ctx, q, x.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range hs {
			out = append(out, privacy.Record{Package: "newsletter", Table: "newsletter_consents", ID: fmt.Sprint(c.ID), Fields: map[string]any{
				"at": c.At.Format(time.RFC3339), "event": c.Event, "method": c.Method, "channel": c.Channel, "text_version": c.TextVersion, "detail": c.Detail}})
		}
	}
	return out, nil
}

// Anonymise implements privacy.Holder.
func (Holder) Anonymise(ctx context.Context, q store.Querier, p privacy.Person) error {
	const of = `(SELECT id FROM newsletter_subscribers WHERE email = $1)`
	for _, stmt := range []string{
		`UPDATE newsletter_consents SET channel = '', detail = '', subscriber_id = 0 WHERE subscriber_id IN ` + of,
		`DELETE FROM newsletter_deliveries WHERE subscriber_id IN ` + of,
		`DELETE FROM newsletter_subscribers WHERE email = $1`,
	} {
		if _, err := q.ExecContext(ctx, stmt, p.Normal()); err != nil {
			return fmt.Errorf("newsletter: anonymise: %w", err)
		}
	}
	return nil
}
