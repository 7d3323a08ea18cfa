package monitor

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

// The kinds of alert.
const (
	AlertDown     = "down"     // an outage was confirmed
	AlertUp       = "up"       // up again for RecoverAfter
	AlertFlapping = "flapping" // more than FlapCount outages within FlapWindow
	AlertQuiet    = "quiet"    // no outage for FlapWindow after flapping
)

// Alert is one staff alert and its webhook delivery.
type Alert struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	ComponentID int64     `json:"component_id"`
	ServerID    int64     `json:"server_id"`
	OutageID    int64     `json:"outage_id,omitempty"`
	Summary     string    `json:"summary"`
	At          time.Time `json:"at"`
	Webhook     string    `json:"-"` // none, pending, sent, failed
	Attempts    int       `json:"-"`
	Error       string    `json:"-"`
}

// maxWebhookAttempts bounds the retries of a webhook; the mail of the same alert is
// delivered by the outbox on its own.
const maxWebhookAttempts = 8

// alertStart alerts on a confirmed outage, unless staff were already told the component
// is down (no recovery alert since) or it is flapping.
func (s *Service) alertStart(ctx context.Context, q store.Querier, c evalComponent, o Outage, now time.Time) error {
	var flapping, alerting bool
	if err := q.QueryRowContext(ctx, `SELECT flapping, alerting FROM monitor_components WHERE id = $1`, c.id).Scan(&flapping, &alerting); err != nil {
		return err
	}
	if flapping {
		return nil
	}
	if a := s.alerts; a.FlapCount > 0 && a.FlapWindow > 0 {
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitor_outages WHERE component_id = $1 AND from_at >= $2`,
			c.id, now.Add(-a.FlapWindow)).Scan(&n); err != nil {
			return err
		}
		if n > a.FlapCount {
			if _, err := q.ExecContext(ctx, `UPDATE monitor_components SET flapping = TRUE WHERE id = $1`, c.id); err != nil {
				return err
			}
			return s.alert(ctx, q, now, fmt.Sprintf("flap:%d:%d", c.id, o.ID), AlertFlapping, c, o.ID,
				fmt.Sprintf("%s %s had %d outages within %s", c.name, c.target, n, a.FlapWindow))
		}
	}
	if alerting {
		return nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE monitor_components SET alerting = TRUE WHERE id = $1`, c.id); err != nil {
		return err
	}
	return s.alert(ctx, q, now, fmt.Sprintf("down:%d", o.ID), AlertDown, c, o.ID,
		fmt.Sprintf("%s %s down since %s: %s", c.name, c.target, o.From.Format(time.RFC3339), o.Reason))
}

// damp sends the alerts that wait for time to pass: recovery once the component has
// been up RecoverAfter, and the end of flapping once it has been quiet FlapWindow.
func (s *Service) damp(ctx context.Context, q store.Querier, c evalComponent, now time.Time) error {
	var flapping, alerting bool
	if err := q.QueryRowContext(ctx, `SELECT flapping, alerting FROM monitor_components WHERE id = $1`, c.id).Scan(&flapping, &alerting); err != nil {
		return err
	}
	if !flapping && !alerting {
		return nil
	}
	var open int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitor_outages WHERE component_id = $1 AND to_at IS NULL`, c.id).Scan(&open); err != nil {
		return err
	}
	if open > 0 {
		return nil
	}
	var lastID int64
	var lastFrom, lastTo time.Time
	err := q.QueryRowContext(ctx, `SELECT id, from_at, to_at FROM monitor_outages WHERE component_id = $1 ORDER BY from_at DESC LIMIT 1`, c.id).
		Scan(&lastID, &lastFrom, &lastTo)
	if errors.Is(err, sql.ErrNoRows) {
		_, err = q.ExecContext(ctx, `UPDATE monitor_components SET alerting = FALSE, flapping = FALSE WHERE id = $1`, c.id)
		return err
	}
	if err != nil {
		return err
	}
	switch {
	case flapping && now.Sub(lastTo) >= s.alerts.FlapWindow && now.Sub(lastFrom) >= s.alerts.FlapWindow:
		if _, err := q.ExecContext(ctx, `UPDATE monitor_components SET alerting = FALSE, flapping = FALSE WHERE id = $1`, c.id); err != nil {
			return err
		}
		return s.alert(ctx, q, now, fmt.Sprintf("quiet:%d:%d", c.id, lastID), AlertQuiet, c, lastID,
			fmt.Sprintf("%s %s stable again since %s", c.name, c.target, lastTo.UTC().Format(time.RFC3339)))
	case !flapping && alerting && now.Sub(lastTo) >= s.alerts.RecoverAfter:
		if _, err := q.ExecContext(ctx, `UPDATE monitor_components SET alerting = FALSE WHERE id = $1`, c.id); err != nil {
			return err
		}
		return s.alert(ctx, q, now, fmt.Sprintf("up:%d", lastID), AlertUp, c, lastID,
			fmt.Sprintf("%s %s up again since %s", c.name, c.target, lastTo.UTC().Format(time.RFC3339)))
	}
	return nil
}

// alertTexts are the mail subject and first line per language; the technical summary
// follows for staff.
var alertTexts = map[string]map[string][2]string{
	"nl": {
		AlertDown:     {"Storing: %s %s", "Er is een storing bevestigd van %s %s."},
		AlertUp:       {"Hersteld: %s %s", "%s %s werkt weer."},
		AlertFlapping: {"Instabiel: %s %s", "%s %s valt steeds kort uit; verdere meldingen wachten tot het rustig is."},
		AlertQuiet:    {"Weer stabiel: %s %s", "%s %s is weer stabiel."},
	},
	"en": {
		AlertDown:     {"Outage: %s %s", "An outage of %s %s was confirmed."},
		AlertUp:       {"Recovered: %s %s", "%s %s is up again."},
		AlertFlapping: {"Flapping: %s %s", "%s %s keeps failing briefly; further alerts wait until it is quiet."},
		AlertQuiet:    {"Stable again: %s %s", "%s %s is stable again."},
	},
}

// alert records one alert (once per key) with its mail and pending webhook, in q.
func (s *Service) alert(ctx context.Context, q store.Querier, now time.Time, key, kind string, c evalComponent, outageID int64, summary string) error {
	state := "none"
	var next any
	if s.alerts.Webhook != "" {
		state, next = "pending", now
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO monitor_alerts (alert_key, kind, component_id, server_id, outage_id, summary, created_at, webhook_state, webhook_next_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (alert_key) DO NOTHING RETURNING id`,
		key, kind, c.id, c.serverID, outageID, summary, now, state, next).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	// Addresses from the configuration read Dutch; the support staff their own language.
	var to []Contact
	for _, a := range s.alerts.MailTo {
		to = append(to, Contact{Email: a, Lang: "nl"})
	}
	if len(to) == 0 && s.staff != nil {
		if to, err = s.staff.SupportContacts(ctx, q); err != nil {
			return err
		}
	}
	var server string
	if err := q.QueryRowContext(ctx, `SELECT name FROM monitor_servers WHERE id = $1`, c.serverID).Scan(&server); err != nil {
		return err
	}
	for _, r := range to {
		lang := r.Lang
		if _, ok := alertTexts[lang]; !ok {
			lang = "nl"
		}
		t := alertTexts[lang][kind]
		_, err := notify.Enqueue(ctx, q, now, notify.Message{
			DedupeKey: fmt.Sprintf("monitor-alert:%d:%s", id, strings.ToLower(r.Email)),
			To:        r.Email, Lang: lang,
			Subject: fmt.Sprintf(t[0], server, c.name),
			Text:    fmt.Sprintf(t[1], server, c.name+" "+c.target) + "\n\n" + summary + "\n",
		})
		if err != nil && !errors.Is(err, notify.ErrDuplicate) {
			return err
		}
	}
	return nil
}

// AlertsJob delivers pending webhooks every minute.
func (s *Service) AlertsJob() jobs.Job {
	return jobs.Job{Name: "monitor.alerts", Every: time.Minute, Run: s.DeliverWebhooks}
}

// webhookBody is what the webhook receives; id is the same on every retry, so the
// receiver can drop a repeat (a crash after the POST and before it was marked sent).
type webhookBody struct {
	ID        int64     `json:"id"`
	Kind      string    `json:"kind"`
	Server    string    `json:"server"`
	Component string    `json:"component"`
	Target    string    `json:"target"`
	OutageID  int64     `json:"outage_id,omitempty"`
	Summary   string    `json:"summary"`
	At        time.Time `json:"at"`
}

// DeliverWebhooks posts the pending alerts to the webhook, retrying with the outbox's
// delays until maxWebhookAttempts.
func (s *Service) DeliverWebhooks(ctx context.Context, now time.Time) error {
	if s.alerts.Webhook == "" {
		return nil
	}
	now = store.Now(now)
	rows, err := s.db.QueryContext(ctx, `SELECT a.id, a.kind, v.name, c.name, c.target, a.outage_id, a.summary, a.created_at, a.webhook_attempts
		FROM monitor_alerts a JOIN monitor_components c ON c.id = a.component_id JOIN monitor_servers v ON v.id = a.server_id
		WHERE a.webhook_state = 'pending' AND a.webhook_next_at <= $1 ORDER BY a.id LIMIT 100`, now)
	if err != nil {
		return err
	}
	type item struct {
		body     webhookBody
		attempts int
	}
	var items []item
	for rows.Next() {
		var it item
		b := &it.body
		if err := rows.Scan(&b.ID, &b.Kind, &b.Server, &b.Component, &b.Target, &b.OutageID, &b.Summary, &b.At, &it.attempts); err != nil {
			rows.Close()
			return err
		}
		b.At = b.At.UTC()
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, it := range items {
		sendErr := s.post(ctx, it.body)
		if err := s.fail("webhook:after-post"); err != nil {
			return err
		}
		if sendErr == nil {
			_, err = s.db.ExecContext(ctx, `UPDATE monitor_alerts SET webhook_state = 'sent', webhook_attempts = webhook_attempts + 1, webhook_error = '' WHERE id = $1`, it.body.ID)
		} else {
			n := it.attempts + 1
			state := "pending"
			if n >= maxWebhookAttempts {
				state = "failed"
			}
			s.log.Warn("monitor: webhook failed", "alert", it.body.ID, "attempt", n, "err", sendErr)
			_, err = s.db.ExecContext(ctx, `UPDATE monitor_alerts SET webhook_state = $2, webhook_attempts = $3, webhook_next_at = $4, webhook_error = $5 WHERE id = $1`,
				it.body.ID, state, n, now.Add(notify.RetryDelay(n)), shortErr(sendErr))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

func (s *Service) post(ctx context.Context, b webhookBody) error {
	body, err := json.Marshal(b)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.alerts.Webhook, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("hostpact-monitor-alert-%d", b.ID))
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	return nil
}

// Alerts lists the newest alerts.
func (s *Service) Alerts(ctx context.Context, by accounts.Principal, p Page) ([]Alert, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	if p.Limit <= 0 || p.Limit > 500 {
		p.Limit = 50
	}
	before := p.Before
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, kind, component_id, server_id, outage_id, summary, created_at, webhook_state, webhook_attempts, webhook_error
		FROM monitor_alerts WHERE id < $1 ORDER BY id DESC LIMIT $2`, before, p.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Alert
	for rows.Next() {
		var a Alert
		if err := rows.Scan(&a.ID, &a.Kind, &a.ComponentID, &a.ServerID, &a.OutageID, &a.Summary, &a.At, &a.Webhook, &a.Attempts, &a.Error); err != nil {
			return nil, err
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, rows.Err()
}
