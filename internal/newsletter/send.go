package newsletter

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
)

// Job queues the newsletters being sent, batch by batch, and clears expired sign-ups.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: "newsletter.send", Every: time.Minute, Run: func(ctx context.Context, now time.Time) error {
		if _, err := s.ExpirePending(ctx, store.Now(now)); err != nil {
			return err
		}
		_, err := s.SendPending(ctx)
		return err
	}}
}

// SendPending queues every newsletter that is sending until it is done, and returns
// how many mails it queued.
func (s *Service) SendPending(ctx context.Context) (int, error) {
	ids, err := store.Int64s(ctx, s.db, `SELECT id FROM newsletters WHERE status = $1 ORDER BY id`, Sending)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		for batch := 1; ; batch++ {
			n, done, err := s.sendBatch(ctx, id, batch)
			total += n
			if err != nil {
				return total, err
			}
			if done {
				break
			}
		}
	}
	return total, nil
}

type recipient struct {
	id          int64
	email, name string
	lang, nonce string
	orgID       int64
}

// sendBatch queues the next batch of one newsletter in one transaction: the
// deliveries (unique per newsletter and subscriber), the mails (dedupe key per
// newsletter and subscriber) and the cursor move together, so a run killed at any
// point leaves either the whole batch queued or none of it, and the next run goes on
// where the last commit left off. Subscribers are read in the batch's own transaction,
// so one who unsubscribed a moment ago is skipped.
func (s *Service) sendBatch(ctx context.Context, id int64, batch int) (queued int, done bool, err error) {
	ctx = audit.WithActor(ctx, audit.System("newsletter"))
	err = s.db.InTx(ctx, func(q store.Querier) error {
		n, err := scanNewsletter(q.QueryRowContext(ctx, `SELECT `+newsletterColumns+` FROM newsletters WHERE id = $1`, id))
		if err != nil {
			return err
		}
		if n.Status != Sending {
			done = true
			return nil
		}
		var cursor int64
		if err := q.QueryRowContext(ctx, `SELECT cursor_id FROM newsletters WHERE id = $1`, id).Scan(&cursor); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT id, email, name, lang, token_nonce, org_id FROM newsletter_subscribers
			WHERE status = $1 AND id > $2 ORDER BY id LIMIT `+strconv.Itoa(s.cfg.BatchSize), Active, cursor)
		if err != nil {
			return err
		}
		var rs []recipient
		for rows.Next() {
			var r recipient
			if err := rows.Scan(&r.id, &r.email, &r.name, &r.lang, &r.nonce, &r.orgID); err != nil {
				rows.Close()
				return err
			}
			rs = append(rs, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		now := s.now()
		skipped := 0 // already delivered: a key the cursor alone would have missed
		if len(rs) > 0 {
			fresh, err := s.claim(ctx, q, id, rs, now)
			if err != nil {
				return err
			}
			skipped = len(rs) - len(fresh)
			ms := make([]notify.Message, 0, len(fresh))
			for _, r := range fresh {
				tok := s.token(r.id, r.nonce)
				subject, body := s.render(n, r.lang, tok)
				m := notify.Message{DedupeKey: fmt.Sprintf("newsletter:%d:%d", id, r.id), OrgID: r.orgID, To: r.email, ToName: r.name,
					Lang: r.lang, Subject: subject, Text: body, ListUnsubscribe: s.UnsubscribeURL(tok)}
				if s.cfg.UnsubscribeMailbox != "" {
					m.ListUnsubscribeMailto = "mailto:" + s.cfg.UnsubscribeMailbox + "?subject=unsubscribe%20" + tok
				}
				ms = append(ms, m)
			}
			if queued, err = notify.EnqueueMany(ctx, q, now, ms); err != nil {
				return err
			}
			cursor = rs[len(rs)-1].id
		}
		done = len(rs) < s.cfg.BatchSize
		if _, err := q.ExecContext(ctx, `UPDATE newsletters SET cursor_id = $1, queued = queued + $2, skipped = skipped + $3 WHERE id = $4`, cursor, queued, skipped, id); err != nil {
			return err
		}
		if done {
			if _, err := q.ExecContext(ctx, `UPDATE newsletters SET status = $1, sent_at = $2 WHERE id = $3`, Sent, now, id); err != nil {
				return err
			}
			if err := audit.Record(ctx, q, now, audit.Change{Action: "newsletter.sent", ObjectKind: "newsletter", ObjectID: fmt.Sprint(id),
				Summary: fmt.Sprintf("newsletter queued to %d subscribers", n.Queued+queued)}); err != nil {
				return err
			}
		}
		if s.beforeCommit != nil {
			return s.beforeCommit(batch)
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	return queued, done, nil
}

// claim records the deliveries of rs and returns those not delivered before (the
// unique key answers, not the cursor alone).
func (s *Service) claim(ctx context.Context, q store.Querier, id int64, rs []recipient, now time.Time) ([]recipient, error) {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO newsletter_deliveries (newsletter_id, subscriber_id, queued_at) VALUES `)
	args := []any{id, now}
	for i, r := range rs {
		if i > 0 {
			sb.WriteString(", ")
		}
		args = append(args, r.id)
		fmt.Fprintf(&sb, "($1, $%d, $2)", len(args))
	}
	sb.WriteString(` ON CONFLICT (newsletter_id, subscriber_id) DO NOTHING RETURNING subscriber_id`)
	rows, err := q.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fresh := map[int64]bool{}
	for rows.Next() {
		var sid int64
		if err := rows.Scan(&sid); err != nil {
			return nil, err
		}
		fresh[sid] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := rs[:0:0]
	for _, r := range rs {
		if fresh[r.id] {
			out = append(out, r)
		}
	}
	return out, nil
}
