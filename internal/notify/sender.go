package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

const (
	// MaxAttempts is how many failed deliveries make a mail 'failed' for good.
	MaxAttempts = 8
	// SendEvery is the interval of the mail.send job.
	SendEvery = 10 * time.Second

	firstRetry   = 5 * time.Minute
	maxErrorText = 2000
)

// RetryDelay is the wait after the given number of failed attempts: 5 minutes after the
// first, doubling each time, so that the eight attempts span about ten and a half hours
// — long enough to ride out a mail server's night of maintenance.
func RetryDelay(failedAttempts int) time.Duration {
	if failedAttempts < 1 {
		return 0
	}
	return firstRetry << min(failedAttempts-1, 16)
}

// Sender delivers the outbox. Several instances may run one each: a mail is sent only by
// the instance whose UPDATE moved its locked_until into the future.
type Sender struct {
	db  *store.DB
	clk clock.Clock
	d   Deliverer
	log *slog.Logger

	// BatchSize is how many mails one claim takes. Lease is how long they stay claimed;
	// it must exceed the time a batch takes to send, which SendPending caps at 4/5 of it.
	// Both must be positive; change them before the first SendPending.
	BatchSize int
	Lease     time.Duration

	// Keys opens the sealed bodies of secret mails; without them such a mail fails.
	Keys *secrets.Keyring
}

// NewSender returns a Sender that delivers over SMTP per cfg, or, when cfg.Host is empty
// (demo mode), through a LogDeliverer that logs each mail and marks it sent. A non-nil
// deliverer given after logger is used instead of either (tests, or a caller that
// chose its own). An invalid cfg makes every delivery fail with the configuration
// error, which the outbox then shows; call cfg.Validate at startup to refuse it earlier.
func NewSender(db *store.DB, clk clock.Clock, cfg SMTPConfig, logger *slog.Logger, deliverer ...Deliverer) *Sender {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.With("component", "mail")
	var d Deliverer
	for _, x := range deliverer {
		if x != nil {
			d = x
		}
	}
	switch {
	case d != nil:
	case cfg.Host == "":
		d = LogDeliverer{Logger: logger}
	default:
		if sd, err := NewSMTPDeliverer(cfg); err != nil {
			d = brokenDeliverer{err: err}
		} else {
			d = sd
		}
	}
	return &Sender{db: db, clk: clk, d: d, log: logger, BatchSize: 50, Lease: 5 * time.Minute}
}

// Job returns the periodic job "mail.send" that runs SendPending.
func (s *Sender) Job() jobs.Job {
	return jobs.Job{Name: "mail.send", Every: SendEvery, Run: func(ctx context.Context, now time.Time) error {
		_, err := s.SendPending(ctx, now)
		return err
	}}
}

// SendPending delivers the mail that is due at now, batch after batch until none is
// left. It returns how many mails were sent. Each failed delivery is recorded on its mail
// (attempts, last_error, next_attempt_at, or status 'failed' after MaxAttempts); the
// error returned counts them, so that the job's status shows that mail is not going out,
// and includes any database error.
func (s *Sender) SendPending(ctx context.Context, now time.Time) (sent int, err error) {
	now = store.Now(now)
	var errs []error
	failed, firstErr := 0, error(nil)
	for ctx.Err() == nil {
		lease := store.Now(now.Add(s.Lease))
		batch, err := s.claim(ctx, now, lease)
		if err != nil {
			errs = append(errs, err)
			break
		}
		if len(batch) == 0 {
			break
		}
		res := s.sendBatch(ctx, batch, lease)
		sent += res.sent
		failed += res.failed
		if firstErr == nil {
			firstErr = res.firstErr
		}
		errs = append(errs, res.dbErrs...)
		// A batch in which nothing got through means the server is down or refuses
		// us: trying the rest of the outbox now would only spend their attempts.
		if res.sent == 0 || len(batch) < s.BatchSize || len(res.dbErrs) > 0 {
			break
		}
	}
	if failed > 0 {
		errs = append([]error{fmt.Errorf("notify: %d mail(s) not delivered, first error: %w", failed, firstErr)}, errs...)
	}
	return sent, errors.Join(errs...)
}

// claim takes up to BatchSize due mails that nobody holds. The conditions are repeated
// outside the subquery because they are what makes the claim exclusive: PostgreSQL
// re-checks them on a row that a concurrent claim changed while this one waited for its
// lock, so the loser skips that row instead of taking it as well.
func (s *Sender) claim(ctx context.Context, now, lease time.Time) ([]Outgoing, error) {
	rows, err := s.db.QueryContext(ctx, `UPDATE mail_outbox SET locked_until = $1
		WHERE id IN (SELECT id FROM mail_outbox
			WHERE status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
			ORDER BY next_attempt_at, id LIMIT $3)
		AND status = 'pending' AND next_attempt_at <= $2 AND (locked_until IS NULL OR locked_until < $2)
		RETURNING id, COALESCE(dedupe_key, ''), org_id, to_addr, to_name, lang, subject, body_text, body_html, created_at, attempts, secret, list_unsubscribe, message_id, in_reply_to, refs, reply_to, by_person`,
		lease, now, s.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("notify: claim mail: %w", err)
	}
	defer rows.Close()
	var batch []Outgoing
	for rows.Next() {
		var o Outgoing
		var refs string
		if err := rows.Scan(&o.ID, &o.DedupeKey, &o.OrgID, &o.To, &o.ToName, &o.Lang, &o.Subject, &o.Text, &o.HTML, &o.CreatedAt, &o.Attempts, &o.Secret, &o.ListUnsubscribe, &o.Thread.MessageID, &o.Thread.InReplyTo, &refs, &o.Thread.ReplyTo, &o.Thread.ByPerson); err != nil {
			return nil, fmt.Errorf("notify: claim mail: %w", err)
		}
		o.CreatedAt = o.CreatedAt.UTC()
		o.Thread.References = strings.Fields(refs)
		batch = append(batch, o)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("notify: claim mail: %w", err)
	}
	sort.Slice(batch, func(i, j int) bool { return batch[i].ID < batch[j].ID })
	return batch, nil
}

type batchResult struct {
	sent, failed int
	firstErr     error
	dbErrs       []error
}

// open replaces the sealed bodies of a secret mail with their text, for delivery only.
func (s *Sender) open(o *Outgoing) error {
	if !o.Secret {
		return nil
	}
	if s.Keys == nil {
		return errors.New("notify: the mail's body is sealed and this sender has no secret key")
	}
	for _, body := range []*string{&o.Text, &o.HTML} {
		if !secrets.IsSealed(*body) {
			continue
		}
		plain, err := s.Keys.OpenString(secrets.PurposeMail, mailBinding(o.To), secrets.Sealed(*body))
		if err != nil {
			return fmt.Errorf("notify: %w", err)
		}
		*body = plain
	}
	return nil
}

func (s *Sender) sendBatch(ctx context.Context, batch []Outgoing, lease time.Time) batchResult {
	sendCtx, cancel := context.WithTimeout(ctx, s.Lease*4/5)
	defer cancel()
	errs := make([]error, len(batch))
	var deliver []Outgoing
	var at []int
	for i := range batch {
		o := batch[i]
		if errs[i] = s.open(&o); errs[i] == nil {
			deliver = append(deliver, o)
			at = append(at, i)
		}
	}
	if len(deliver) > 0 {
		got := s.d.Deliver(sendCtx, s.clk.Now(), deliver)
		for j, i := range at {
			if len(got) != len(deliver) {
				errs[i] = fmt.Errorf("notify: deliverer returned %d results for %d mails", len(got), len(deliver))
			} else {
				errs[i] = got[j]
			}
		}
	}
	// Whatever happens to ctx now, what was delivered must be recorded, or it would be
	// delivered again once the lease expires.
	dbCtx := context.WithoutCancel(ctx)
	var res batchResult
	for i, o := range batch {
		log := s.log.With("mail_id", o.ID, "org_id", o.OrgID)
		err := errs[i]
		switch {
		case err == nil:
			ok, dbErr := s.markSent(dbCtx, o, lease)
			if dbErr != nil {
				log.Error("mail sent but not recorded; it will be sent again", "err", dbErr)
				res.dbErrs = append(res.dbErrs, dbErr)
				continue
			}
			if !ok {
				log.Warn("mail sent after its lease expired; another instance may send it too")
			}
			res.sent++
		case sendCtx.Err() != nil && errors.Is(err, sendCtx.Err()):
			if _, dbErr := s.db.ExecContext(dbCtx, `UPDATE mail_outbox SET locked_until = NULL
				WHERE id = $1 AND locked_until = $2 AND status = 'pending'`, o.ID, lease); dbErr != nil {
				res.dbErrs = append(res.dbErrs, fmt.Errorf("notify: release mail %d: %w", o.ID, dbErr))
			}
		default:
			res.failed++
			if res.firstErr == nil {
				res.firstErr = err
			}
			if dbErr := s.markFailedAttempt(dbCtx, o, lease, err, log); dbErr != nil {
				res.dbErrs = append(res.dbErrs, dbErr)
			}
		}
	}
	return res
}

// markSent records delivery if this sender still holds the mail's lease; ok is false
// when the lease had expired and another instance may have claimed the mail.
func (s *Sender) markSent(ctx context.Context, o Outgoing, lease time.Time) (ok bool, err error) {
	// A secret body is gone the moment it is sent: the note replaces it in the same
	// statement that records delivery.
	res, err := s.db.ExecContext(ctx, `UPDATE mail_outbox SET status = 'sent', sent_at = $1, locked_until = NULL, last_error = '',
		body_text = CASE WHEN secret THEN $4 ELSE body_text END, body_html = CASE WHEN secret THEN '' ELSE body_html END
		WHERE id = $2 AND locked_until = $3 AND status = 'pending'`, store.Now(s.clk.Now()), o.ID, lease, redactedNote[o.Lang])
	if err != nil {
		return false, fmt.Errorf("notify: mark mail %d sent: %w", o.ID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("notify: mark mail %d sent: %w", o.ID, err)
	}
	return n == 1, nil
}

func (s *Sender) markFailedAttempt(ctx context.Context, o Outgoing, lease time.Time, sendErr error, log *slog.Logger) error {
	attempts := o.Attempts + 1
	now := store.Now(s.clk.Now())
	status, next := "pending", store.Now(now.Add(RetryDelay(attempts)))
	if attempts >= MaxAttempts {
		status, next = "failed", now
	}
	msg := strings.ToValidUTF8(strings.ReplaceAll(sendErr.Error(), "\x00", ""), "")
	if len(msg) > maxErrorText {
		msg = strings.ToValidUTF8(msg[:maxErrorText], "")
	}
	// A secret mail given up is redacted as well: its link will never be delivered.
	if _, err := s.db.ExecContext(ctx, `UPDATE mail_outbox SET attempts = $1, status = $2, next_attempt_at = $3, last_error = $4, locked_until = NULL,
		body_text = CASE WHEN secret AND $2 = 'failed' THEN $7 ELSE body_text END,
		body_html = CASE WHEN secret AND $2 = 'failed' THEN '' ELSE body_html END
		WHERE id = $5 AND locked_until = $6 AND status = 'pending'`, attempts, status, next, msg, o.ID, lease, redactedNote[o.Lang]); err != nil {
		return fmt.Errorf("notify: record failed delivery of mail %d: %w", o.ID, err)
	}
	if status == "failed" {
		log.Error("mail delivery failed for good", "attempts", attempts, "err", sendErr)
	} else {
		log.Warn("mail delivery failed; will retry", "attempts", attempts, "next_attempt_at", next, "err", sendErr)
	}
	return nil
}
