package abuse

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Notice is what the public form (or an e-mail) brings in.
type Notice struct {
	NotifierName       string
	NotifierOrg        string
	NotifierEmail      string
	NotifierPhone      string
	Lang               string
	URLs               []string
	AsksRemoval        bool
	AsksIdentification bool
	Ground             string
	Description        string
	Accurate           bool
	ContactedCustomer  bool
	Urgent             bool
	UrgencyReasons     string
	Evidence           []Upload
	// Key makes a form sent twice one case (the form's one-time token).
	Key string
}

// Upload is one evidence file.
type Upload struct {
	Name string
	Data io.Reader
}

// EvidenceTypes are the sniffed content types evidence may have: documents, images,
// text and saved mail. Anything else (executables, archives) is refused.
var EvidenceTypes = []string{"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "text/plain", "message/rfc822"}

const maxURLs = 20

// Validate checks a form notice; the errors are keyed by form field.
func (n *Notice) Validate() error {
	fe := accounts.FieldErrors{}
	n.NotifierName, n.NotifierEmail = strings.TrimSpace(n.NotifierName), strings.TrimSpace(n.NotifierEmail)
	if n.NotifierName == "" || len(n.NotifierName) > 200 {
		fe["notifier_name"] = i18n.T("abuse.err.name")
	}
	if a, err := mail.ParseAddress(n.NotifierEmail); err != nil || a.Address != n.NotifierEmail || len(n.NotifierEmail) > 254 {
		fe["notifier_email"] = i18n.T("abuse.err.email")
	}
	var urls []string
	for _, u := range n.URLs {
		for _, line := range strings.Fields(u) {
			if HostOf(line) == "" {
				fe["urls"] = i18n.T("abuse.err.url", line)
				continue
			}
			if !slices.Contains(urls, line) {
				urls = append(urls, line)
			}
		}
	}
	n.URLs = urls
	if len(urls) == 0 && fe["urls"].Key == "" {
		fe["urls"] = i18n.T("abuse.err.urls")
	}
	if len(urls) > maxURLs {
		fe["urls"] = i18n.T("abuse.err.too_many_urls", maxURLs)
	}
	if !slices.Contains(FormGrounds, n.Ground) {
		fe["ground"] = i18n.T("abuse.err.ground")
	}
	if !n.AsksRemoval && !n.AsksIdentification {
		fe["asks"] = i18n.T("abuse.err.asks")
	}
	if strings.TrimSpace(n.Description) == "" {
		fe["description"] = i18n.T("abuse.err.description")
	}
	if !n.Accurate {
		fe["accurate"] = i18n.T("abuse.err.accurate")
	}
	if n.Urgent && strings.TrimSpace(n.UrgencyReasons) == "" {
		fe["urgency_reasons"] = i18n.T("abuse.err.urgency_reasons")
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// Submit takes a notice from the public form: it is validated, stored with its
// evidence, acknowledged at once with its case number (cp.ntd.2.1) and looked up.
// Nothing is stored when anything is refused, an evidence file included.
func (s *Service) Submit(ctx context.Context, n Notice) (Case, error) {
	if err := n.Validate(); err != nil {
		return Case{}, err
	}
	pol, err := s.policy()
	if err != nil {
		return Case{}, err
	}
	if len(n.Evidence) > pol.Terms.NTD.EvidenceMaxFiles {
		return Case{}, accounts.FieldErrors{"evidence": i18n.T("abuse.err.evidence_count", pol.Terms.NTD.EvidenceMaxFiles)}
	}
	c := Case{Source: "form", Ground: n.Ground, AsksRemoval: n.AsksRemoval, AsksIdentification: n.AsksIdentification,
		NotifierName: n.NotifierName, NotifierOrg: strings.TrimSpace(n.NotifierOrg), NotifierEmail: n.NotifierEmail,
		NotifierPhone: strings.TrimSpace(n.NotifierPhone), NotifierLang: langOf(n.Lang), Accurate: n.Accurate,
		ContactedCustomer: n.ContactedCustomer, UrgentRequested: n.Urgent, UrgencyReasons: strings.TrimSpace(n.UrgencyReasons),
		Description: strings.TrimSpace(n.Description)}
	key := "form:" + n.Key
	if n.Key == "" {
		key = "form:" + randomKey()
	}
	id, err := s.intake(ctx, c, n.URLs, key, func(q store.Querier, id int64) error {
		for _, u := range n.Evidence {
			f, err := files.Put(ctx, q, EvidenceOwner(id), u.Name, u.Data, int64(pol.Terms.NTD.EvidenceMaxBytes), s.now())
			var fe *files.Error
			if errors.As(err, &fe) {
				return accounts.FieldErrors{"evidence": i18n.T("abuse.err.evidence_"+strings.TrimPrefix(fe.Key, "files."), append([]any{u.Name}, int64(pol.Terms.NTD.EvidenceMaxBytes)/(1<<20))...)}
			}
			if err != nil {
				return err
			}
			// The sniffed type carries parameters ("text/plain; charset=utf-8"); the
			// list names media types.
			if mt, _, _ := mime.ParseMediaType(f.ContentType); !slices.Contains(EvidenceTypes, mt) {
				return accounts.FieldErrors{"evidence": i18n.T("abuse.err.evidence_type", f.Name)}
			}
		}
		return nil
	})
	if err != nil {
		return Case{}, err
	}
	return s.load(ctx, s.db, id, false)
}

// intake stores a new case, looks its targets up, acknowledges it, and closes it at
// once when nothing is ours (cp.ntd.2.2). extra runs in the same transaction (the
// evidence). Child sexual abuse material is blocked after the case is stored.
func (s *Service) intake(ctx context.Context, c Case, targets []string, key string, extra func(q store.Querier, id int64) error) (int64, error) {
	pol, err := s.policy()
	if err != nil {
		return 0, err
	}
	now := s.now()
	var id int64
	var csam bool
	err = s.db.InTx(ctx, func(q store.Querier) error {
		err := q.QueryRowContext(ctx, `SELECT id FROM abuse_cases WHERE dedupe_key = $1`, key).Scan(&id)
		if err == nil {
			return nil // the same form or mail again: the case exists
		}
		err = q.QueryRowContext(ctx, `INSERT INTO abuse_cases (source, state, ground, asks_removal, asks_identification, notifier_name,
			notifier_org, notifier_email, notifier_phone, notifier_lang, accurate, contacted_customer, urgent_requested, urgency_reasons,
			description, machine_kind, reports, received_at, dedupe_key, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $18, $18) RETURNING id`,
			c.Source, string(StateNew), c.Ground, c.AsksRemoval, c.AsksIdentification, c.NotifierName, c.NotifierOrg, c.NotifierEmail,
			c.NotifierPhone, c.NotifierLang, c.Accurate, c.ContactedCustomer, c.UrgentRequested, c.UrgencyReasons, c.Description,
			c.MachineKind, c.Reports, now, key).Scan(&id)
		if err != nil {
			return err
		}
		c.ID, c.ReceivedAt = id, now
		if extra != nil {
			if err := extra(q, id); err != nil {
				return err
			}
		}
		var first *Location
		offline := false
		for i, t := range targets {
			loc, err := s.d.Locator.Locate(ctx, q, t)
			if err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO abuse_targets (case_id, position, target, host, org_id, service_id, finding) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				id, i, clip(t, 2048), loc.Host, loc.OrgID, loc.ServiceID, loc.Finding); err != nil {
				return err
			}
			if loc.Ours() && first == nil {
				l := loc
				first = &l
			}
			offline = offline || loc.Finding == FindingOffline
		}
		if err := s.event(ctx, q, id, "received", "notifier", c.Source, c.Description); err != nil {
			return err
		}
		if err := record(ctx, q, now, 0, "abuse.receive", id, fmt.Sprintf("notice %s received (%s, ground %s, %d targets)", Number(id), c.Source, c.Ground, len(targets))); err != nil {
			return err
		}
		notifier := c.Source == "form" || c.Source == "email"
		var ex terms.Explanation
		if first == nil && len(targets) > 0 {
			outcome := OutcomeNotOurs
			if offline {
				outcome = OutcomeOffline
			}
			if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET state = $1, outcome = $2, updated_at = $3 WHERE id = $4`, string(StateClosed), outcome, now, id); err != nil {
				return err
			}
			if notifier {
				if err := s.mail(ctx, q, &c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "ack", ""); err != nil {
					return err
				}
				if err := s.mail(ctx, q, &c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "not_ours", ""); err != nil {
					return err
				}
			}
			return s.event(ctx, q, id, "closed", "system", "desk", outcome)
		}
		if first != nil {
			if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET org_id = $1, service_id = $2, subscription_id = $3 WHERE id = $4`,
				first.OrgID, first.ServiceID, first.SubscriptionID, id); err != nil {
				return err
			}
			c.OrgID, c.ServiceID = first.OrgID, first.ServiceID
		}
		var dueLine string
		// An urgent request starts the 1-werkdag clock at once (cp.ntd.2.6); staff may
		// find it not urgent, which stops it. Child sexual abuse material is urgent.
		if c.UrgentRequested || c.Ground == "csam" {
			r, e, err := pol.NTDDue(true, terms.DateIn(now.In(amsterdam()), amsterdam()))
			if err != nil {
				return err
			}
			ex = append(ex, e...)
			if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET due_on = $1, due_kind = 'urgent', urgent = $2 WHERE id = $3`,
				r.Deadline.String(), c.Ground == "csam", id); err != nil {
				return err
			}
			dueLine = r.Deadline.String()
		}
		if len(ex) > 0 {
			b, _ := json.Marshal(ex)
			if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET explanation = $1 WHERE id = $2`, string(b), id); err != nil {
				return err
			}
		}
		if notifier {
			line := ""
			if dueLine != "" {
				line = map[string]string{"nl": "\nU vroeg om spoed. Beoordelen wij de melding als spoedeisend, dan handelen we haar af uiterlijk " + dueLine + ".\n",
					"en": "\nYou asked for urgency. If we find the notice urgent, we handle it by " + dueLine + ".\n"}[langOf(c.NotifierLang)]
			}
			if err := s.mail(ctx, q, &c, "notifier", c.NotifierEmail, c.NotifierName, c.NotifierLang, "ack", line); err != nil {
				return err
			}
			if err := s.event(ctx, q, id, "acknowledged", "notifier", "desk", ""); err != nil {
				return err
			}
		}
		if c.Ground == "csam" {
			csam = true
			if err := s.mail(ctx, q, &c, "staff", s.d.DeskEmail, "", "en", "csam", "Blocking at once.", pol.Terms.NTD.Hotline, s.caseURL(id)); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET hotline_referral = $1 WHERE id = $2`, pol.Terms.NTD.Hotline, id); err != nil {
				return err
			}
			if err := s.event(ctx, q, id, "referral", "staff", "desk", "referred to "+pol.Terms.NTD.Hotline); err != nil {
				return err
			}
			return record(ctx, q, now, c.OrgID, "abuse.referral", id, "child sexual abuse material: referred to "+pol.Terms.NTD.Hotline)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if csam {
		if err := s.block(ctx, SystemPrincipal, id, "child sexual abuse material: blocked at once"); err != nil {
			s.log.Error("abuse: immediate block failed", "case", id, "err", err)
		}
	}
	return id, nil
}

func (s *Service) caseURL(id int64) string {
	return fmt.Sprintf("%s/staff/abuse/%d", strings.TrimRight(s.d.BaseURL, "/"), id)
}

var caseTag = regexp.MustCompile(`\[NTD-([0-9]{1,18})\]`)
var urlInText = regexp.MustCompile(`https?://[^\s<>"')\]]+`)

// MailHandler returns the inbound.Handler for the abuse address: machine reports
// (X-ARF, ARF) are grouped per service; a reply quoting a case number joins its case
// (and completes a notice that waited for details); any other mail is a new notice.
func (s *Service) MailHandler() inbound.Handler {
	return inbound.HandlerFunc(s.handleMail)
}

func (s *Service) handleMail(ctx context.Context, m *inbound.Message) error {
	ctx = jobCtx(ctx, "abuse.mail")
	if r, err := MachineReportOf(m); err == nil {
		return s.machine(ctx, m, r)
	} else if !errors.Is(err, ErrNoReport) && !errors.Is(err, ErrBadReport) {
		return err
	}
	if m.Automatic {
		// Mail no person wrote and that carries no report: never answered (a loop).
		s.log.Info("abuse: automatic mail ignored", "message_id", m.MessageID)
		return nil
	}
	if sm := caseTag.FindStringSubmatch(m.Subject); sm != nil {
		id, _ := strconv.ParseInt(sm[1], 10, 64)
		done, err := s.reply(ctx, id, m)
		if err != nil || done {
			return err
		}
	}
	urls := urlInText.FindAllString(m.Text, maxURLs)
	c := Case{Source: "email", Ground: "other", AsksRemoval: true, NotifierName: m.From.Name, NotifierEmail: strings.ToLower(m.From.Address),
		NotifierLang: "nl", Description: clip(m.Subject+"\n\n"+m.Text, 20000)}
	id, err := s.intake(ctx, c, urls, "mail:"+m.MessageID, func(q store.Querier, id int64) error {
		if len(m.Raw) == 0 {
			return nil
		}
		_, err := files.Put(ctx, q, EvidenceOwner(id), "notice.eml", bytes.NewReader(m.Raw), 10<<20, s.now())
		var fe *files.Error
		if errors.As(err, &fe) {
			return nil // the mail is kept as text; an oversize original is not
		}
		return err
	})
	if err != nil || len(urls) > 0 {
		return err
	}
	// A mail without a URL cannot be looked up: ask the notifier (INTERPRETATION step 1).
	return s.db.InTx(ctx, func(q store.Querier) error {
		c, err := s.load(ctx, q, id, true)
		if err != nil || c.State != StateNew {
			return err
		}
		return s.askDetails(ctx, q, &c, map[string]string{"nl": "- de volledige URL('s) of IP-adressen van de inhoud\n- de grond van uw melding en wat u vraagt (verwijdering of blokkering, of de gegevens van de klant)\n- een verklaring dat uw melding juist is\nU kunt ook het meldformulier gebruiken.",
			"en": "- the full URL(s) or IP addresses of the content\n- the ground of your notice and what you ask (removal or blocking, or the customer's details)\n- a statement that your notice is accurate\nYou may also use the notice form."}[langOf(c.NotifierLang)])
	})
}

// reply adds a mail quoting a case number to its case when it comes from the
// notifier; it reports whether the mail was taken.
func (s *Service) reply(ctx context.Context, id int64, m *inbound.Message) (bool, error) {
	taken := false
	err := s.db.InTx(ctx, func(q store.Querier) error {
		c, err := s.load(ctx, q, id, true)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if !strings.EqualFold(c.NotifierEmail, m.From.Address) {
			return nil
		}
		var seen int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM abuse_events WHERE case_id = $1 AND kind = 'notifier_mail' AND actor = $2`, id, "mail:"+m.MessageID).Scan(&seen); err != nil || seen > 0 {
			taken = true
			return err
		}
		taken = true
		if err := s.event(ctx, q, id, "notifier_mail", "notifier", "mail:"+m.MessageID, clip(m.Subject+"\n\n"+m.Text, 20000)); err != nil {
			return err
		}
		if c.State == StateIncomplete {
			if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET state = $1, description = $2, updated_at = $3 WHERE id = $4`,
				string(StateNew), clip(c.Description+"\n\n"+m.Text, 20000), s.now(), id); err != nil {
				return err
			}
			for i, u := range urlInText.FindAllString(m.Text, maxURLs) {
				loc, err := s.d.Locator.Locate(ctx, q, u)
				if err != nil {
					return err
				}
				if _, err := q.ExecContext(ctx, `INSERT INTO abuse_targets (case_id, position, target, host, org_id, service_id, finding) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
					id, len(c.Targets)+i, clip(u, 2048), loc.Host, loc.OrgID, loc.ServiceID, loc.Finding); err != nil {
					return err
				}
				if loc.Ours() && c.OrgID == 0 {
					if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET org_id = $1, service_id = $2, subscription_id = $3 WHERE id = $4`, loc.OrgID, loc.ServiceID, loc.SubscriptionID, id); err != nil {
						return err
					}
				}
			}
			if err := s.event(ctx, q, id, "completed", "notifier", "mail", "the notifier completed the notice; the clock runs again"); err != nil {
				return err
			}
		}
		return record(ctx, q, s.now(), c.OrgID, "abuse.notifier_reply", id, "notifier replied by mail")
	})
	return taken, err
}

// machine stores an automatic report and groups it per service and kind; at the
// pack's count (ntd.machine_reports) the reports become a case.
func (s *Service) machine(ctx context.Context, m *inbound.Message, r MachineReport) error {
	pol, err := s.policy()
	if err != nil {
		return err
	}
	now := s.now()
	var open int64
	var count int
	var loc Location
	err = s.db.InTx(ctx, func(q store.Querier) error {
		var dup int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM abuse_reports WHERE message_id = $1`, m.MessageID).Scan(&dup); err != nil || dup > 0 {
			return err
		}
		var err error
		if loc, err = s.d.Locator.Locate(ctx, q, r.Target); err != nil {
			return err
		}
		if !loc.Ours() {
			loc.ServiceID, loc.OrgID = 0, 0
		}
		if err := q.QueryRowContext(ctx, `SELECT id FROM abuse_cases WHERE service_id = $1 AND org_id = $2 AND machine_kind = $3 AND state <> $4 ORDER BY id DESC LIMIT 1`,
			loc.ServiceID, loc.OrgID, r.Kind, string(StateClosed)).Scan(&open); err != nil && !errors.Is(err, errNoRows) {
			return err
		}
		if !loc.Ours() {
			open = 0
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO abuse_reports (message_id, format, kind, target, reporter, org_id, service_id, case_id, received_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, m.MessageID, r.Format, r.Kind, r.Target, firstOf(r.Reporter, m.From.Address), loc.OrgID, loc.ServiceID, open, now); err != nil {
			return err
		}
		if open > 0 {
			if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET reports = reports + 1, updated_at = $1 WHERE id = $2`, now, open); err != nil {
				return err
			}
			return s.event(ctx, q, open, "report", "notifier", r.Format, fmt.Sprintf("%s report about %s from %s", r.Kind, r.Target, firstOf(r.Reporter, m.From.Address)))
		}
		if !loc.Ours() {
			return nil
		}
		return q.QueryRowContext(ctx, `SELECT COUNT(*) FROM abuse_reports WHERE service_id = $1 AND org_id = $2 AND kind = $3 AND case_id = 0 AND received_at >= $4`,
			loc.ServiceID, loc.OrgID, r.Kind, pol.NTDWindowStart(now)).Scan(&count)
	})
	if err != nil || open > 0 || !loc.Ours() || count == 0 {
		return err
	}
	escalate, ex, err := pol.NTDEscalation(r.Kind, count)
	if err != nil || !escalate {
		return err
	}
	ground := map[string]string{"phishing": "fraud", "malware": "malware", "spam": "spam"}[r.Kind]
	if ground == "" {
		ground = "other"
	}
	c := Case{Source: r.Format, Ground: ground, AsksRemoval: true, NotifierName: r.Reporter, NotifierEmail: strings.ToLower(m.From.Address),
		NotifierLang: "en", Accurate: true, MachineKind: r.Kind, Reports: count,
		Description: clip(fmt.Sprintf("%d automatic %s report(s) about %s. %s", count, r.Kind, r.Target, r.Description), 20000)}
	id, err := s.intake(ctx, c, []string{r.Target}, fmt.Sprintf("machine:%d:%d:%s:%s", loc.OrgID, loc.ServiceID, r.Kind, m.MessageID), nil)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		b, _ := json.Marshal(ex)
		if _, err := q.ExecContext(ctx, `UPDATE abuse_cases SET explanation = $1 WHERE id = $2`, string(b), id); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `UPDATE abuse_reports SET case_id = $1 WHERE service_id = $2 AND org_id = $3 AND kind = $4 AND case_id = 0 AND received_at >= $5`,
			id, loc.ServiceID, loc.OrgID, r.Kind, pol.NTDWindowStart(now))
		return err
	})
}

// Reports counts the machine reports of a case.
func (s *Service) Reports(ctx context.Context, by accounts.Principal, caseID int64) (int, error) {
	if err := by.Check(accounts.AbuseRead, accounts.Provider); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM abuse_reports WHERE case_id = $1`, caseID).Scan(&n)
	return n, err
}

var _ = time.Now

// randomKey stands in for a form's one-time key when the caller has none: on a fake
// clock two submissions share a time, never a key.
func randomKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
