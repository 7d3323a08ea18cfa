package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// BreachInput is a breach as staff record it: the fields of cp.dpa.8.3 (cause,
// consequences, solution, measures taken, contact, who has been informed) and of
// fo.dpa.4.3 (nature, categories of data and subjects, their estimated number,
// whether and how the data were secured).
type BreachInput struct {
	DiscoveredAt      time.Time
	Description       string // what happened (the nature of the breach)
	DataCategories    string
	SubjectCategories string
	SubjectsEstimate  string
	Cause             string
	Consequences      string
	Solution          string
	Measures          string
	Secured           string
	Contact           string
	Informed          string // who has been informed so far (data subjects, authority, …)
	ServerIDs         []int64
	// ProviderController: the breach touches data the provider controls itself
	// (cp.privacy), so the 72-hour notice to the authority is tracked (AVG art. 33).
	ProviderController bool
	// NotifyNow sends the notices at once; otherwise the job sends them before the
	// deadline, after alerting staff.
	NotifyNow bool
}

// Breach is a recorded breach.
type Breach struct {
	ID int64 `json:"id"`
	BreachInput
	NotifyBy            time.Time         `json:"notify_by"`
	AlertAt             time.Time         `json:"alert_at"`
	AuthorityBy         time.Time         `json:"authority_by,omitzero"`
	AuthorityNotifiedAt time.Time         `json:"authority_notified_at,omitzero"`
	Explanation         terms.Explanation `json:"explanation"`
	Customers           []BreachCustomer  `json:"customers,omitempty"`
	Updates             []BreachUpdate    `json:"updates,omitempty"`
}

// Decisions a customer (controller) records on informing the authority and the data
// subjects (cp.dpa.8.1-8.2, fo.dpa.4.1-4.3).
const (
	DecisionUndecided = ""
	DecisionNotify    = "notify"
	DecisionNoNotify  = "no_notify"
)

// BreachCustomer is an affected customer of a breach.
type BreachCustomer struct {
	OrgID         int64     `json:"org_id"`
	Subscriptions []int64   `json:"subscriptions"`
	InformedAt    time.Time `json:"informed_at,omitzero"`
	Authority     string    `json:"authority_decision"`
	Subjects      string    `json:"subjects_decision"`
	DecidedAt     time.Time `json:"decided_at,omitzero"`
}

// BreachUpdate is news sent after the first notice (fo.dpa.4.2).
type BreachUpdate struct {
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

func (in *BreachInput) validate(now time.Time) error {
	fe := accounts.FieldErrors{}
	for _, f := range []struct {
		name string
		v    *string
	}{{"description", &in.Description}, {"data_categories", &in.DataCategories}, {"subject_categories", &in.SubjectCategories},
		{"cause", &in.Cause}, {"consequences", &in.Consequences}, {"solution", &in.Solution}, {"measures", &in.Measures}, {"contact", &in.Contact}} {
		*f.v = strings.TrimSpace(*f.v)
		if *f.v == "" || len(*f.v) > 8000 {
			fe[f.name] = i18n.T("privacy.breach_field")
		}
	}
	if in.DiscoveredAt.IsZero() || in.DiscoveredAt.After(now) {
		fe["discovered_at"] = i18n.T("privacy.breach_field")
	}
	if len(in.ServerIDs) == 0 && !in.ProviderController {
		fe["servers"] = i18n.T("privacy.breach_servers")
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// RecordBreach registers a breach, derives the affected customers from the services
// placed on its servers and sets its deadlines from the pack (terms.Policy.Breach).
func (s *Service) RecordBreach(ctx context.Context, by accounts.Principal, in BreachInput) (Breach, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return Breach{}, err
	}
	if err := in.validate(s.clk.Now()); err != nil {
		return Breach{}, err
	}
	pol, err := s.policy()
	if err != nil {
		return Breach{}, err
	}
	dl, ex, err := pol.Breach(in.DiscoveredAt, in.ProviderController)
	if err != nil {
		return Breach{}, err
	}
	ctx = actorFor(ctx, by)
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var authorityBy any
		if !dl.AuthorityBy.IsZero() {
			authorityBy = store.Now(dl.AuthorityBy)
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO privacy_breaches (discovered_at, description, data_categories, subject_categories, subjects_estimate, cause,
			consequences, solution, measures, secured, contact, informed, server_ids, provider_controller, notify_by, alert_at, authority_by, explanation, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) RETURNING id`,
			store.Now(in.DiscoveredAt), in.Description, in.DataCategories, in.SubjectCategories, in.SubjectsEstimate, in.Cause, in.Consequences, in.Solution,
			in.Measures, in.Secured, in.Contact, in.Informed, joinIDs(in.ServerIDs), in.ProviderController, store.Now(dl.NotifyBy), store.Now(dl.AlertAt),
			authorityBy, exJSON(ex), now).Scan(&id); err != nil {
			return err
		}
		affected, err := s.d.Placements.OnServers(ctx, q, in.ServerIDs)
		if err != nil {
			return err
		}
		for _, a := range affected {
			if _, err := q.ExecContext(ctx, `INSERT INTO privacy_breach_customers (breach_id, org_id, subscriptions, created_at) VALUES ($1, $2, $3, $4)`,
				id, a.OrgID, joinIDs(a.Subscriptions), now); err != nil {
				return err
			}
		}
		if err := record(ctx, q, now, 0, "breach.record", "breach", id, fmt.Sprintf("breach discovered %s recorded; %d customers affected; notify by %s",
			in.DiscoveredAt.UTC().Format(time.RFC3339), len(affected), dl.NotifyBy.UTC().Format(time.RFC3339))); err != nil {
			return err
		}
		if in.NotifyNow {
			return s.notifyBreach(ctx, q, now, id)
		}
		return nil
	})
	if err != nil {
		return Breach{}, err
	}
	return s.breach(ctx, s.db, id)
}

// NotifyBreach sends the notices of a breach to every affected customer not yet
// informed.
func (s *Service) NotifyBreach(ctx context.Context, by accounts.Principal, id int64) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error { return s.notifyBreach(ctx, q, s.now(), id) })
}

func (s *Service) notifyBreach(ctx context.Context, q store.Querier, now time.Time, id int64) error {
	b, err := s.breach(ctx, q, id)
	if err != nil {
		return err
	}
	n := 0
	for _, c := range b.Customers {
		if !c.InformedAt.IsZero() {
			continue
		}
		res, err := q.ExecContext(ctx, `UPDATE privacy_breach_customers SET informed_at = $1 WHERE breach_id = $2 AND org_id = $3 AND informed_at IS NULL`, now, id, c.OrgID)
		if err != nil {
			return err
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		to, err := s.d.Customers.Contact(ctx, q, c.OrgID)
		if err != nil {
			return err
		}
		if to.Email != "" {
			l := lang(to.Lang)
			subject, body := breachMail(l, s.d.Provider, s.d.BaseURL, to.Name, b)
			if _, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: fmt.Sprintf("privacy-breach:%d:%d", id, c.OrgID), OrgID: c.OrgID,
				To: to.Email, ToName: to.Name, Lang: l, Subject: subject, Text: body}); err != nil && !errors.Is(err, notify.ErrDuplicate) {
				return err
			}
		}
		n++
	}
	if n == 0 {
		return nil
	}
	return record(ctx, q, now, 0, "breach.notify", "breach", id, fmt.Sprintf("breach notice sent to %d customers", n))
}

func breachMail(l, provider, baseURL, name string, b Breach) (string, string) {
	f := func(label, v string) string {
		if v == "" {
			return ""
		}
		return label + ": " + v + "\n"
	}
	if l == "en" {
		body := fmt.Sprintf("Dear %s,\n\nWe have discovered a personal data breach that concerns data we process for you (discovered %s).\n\n",
			name, b.DiscoveredAt.In(time.UTC).Format("2 January 2006 15:04 UTC")) +
			f("What happened", b.Description) + f("Categories of data", b.DataCategories) + f("Categories of data subjects", b.SubjectCategories) +
			f("Estimated number of data subjects", b.SubjectsEstimate) + f("Suspected cause", b.Cause) + f("Known and expected consequences", b.Consequences) +
			f("Whether and how the data were secured", b.Secured) + f("Proposed solution", b.Solution) + f("Measures already taken", b.Measures) +
			f("Who has been informed", orNone(b.Informed, "en")) + f("Contact for follow-up", b.Contact) +
			fmt.Sprintf("\nAs controller you decide whether to inform the supervisory authority and the data subjects; we cooperate. Record your decision at %s/portal/privacy.\n\nKind regards,\n%s\n", baseURL, provider)
		return fmt.Sprintf("Data breach notice #%d", b.ID), body
	}
	body := fmt.Sprintf("Beste %s,\n\nWe hebben een datalek ontdekt dat gegevens betreft die we voor jou verwerken (ontdekt %s).\n\n",
		name, b.DiscoveredAt.In(time.UTC).Format("2-1-2006 15:04 UTC")) +
		f("Wat er gebeurde", b.Description) + f("Soorten gegevens", b.DataCategories) + f("Soorten betrokkenen", b.SubjectCategories) +
		f("Geschat aantal betrokkenen", b.SubjectsEstimate) + f("(Vermoedelijke) oorzaak", b.Cause) + f("Bekende en verwachte gevolgen", b.Consequences) +
		f("Of en hoe de gegevens beveiligd waren", b.Secured) + f("(Voorgestelde) oplossing", b.Solution) + f("Genomen maatregelen", b.Measures) +
		f("Wie is geïnformeerd", orNone(b.Informed, "nl")) + f("Contact voor de opvolging", b.Contact) +
		fmt.Sprintf("\nAls verwerkingsverantwoordelijke besluit jij of je de toezichthouder en de betrokkenen informeert; wij werken daaraan mee. Leg je besluit vast op %s/portal/privacy.\n\nMet vriendelijke groet,\n%s\n", baseURL, provider)
	return fmt.Sprintf("Melding datalek #%d", b.ID), body
}

func orNone(s, l string) string {
	if s != "" {
		return s
	}
	if l == "en" {
		return "nobody else yet"
	}
	return "nog niemand anders"
}

const breachCols = `id, discovered_at, description, data_categories, subject_categories, subjects_estimate, cause, consequences, solution, measures, secured,
	contact, informed, server_ids, provider_controller, notify_by, alert_at, authority_by, authority_notified_at, explanation`

func (s *Service) breach(ctx context.Context, q store.Querier, id int64) (Breach, error) {
	var b Breach
	var servers, ex string
	var authBy, authAt sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT `+breachCols+` FROM privacy_breaches WHERE id = $1`, id).Scan(&b.ID, &b.DiscoveredAt, &b.Description, &b.DataCategories,
		&b.SubjectCategories, &b.SubjectsEstimate, &b.Cause, &b.Consequences, &b.Solution, &b.Measures, &b.Secured, &b.Contact, &b.Informed, &servers,
		&b.ProviderController, &b.NotifyBy, &b.AlertAt, &authBy, &authAt, &ex)
	if errors.Is(err, sql.ErrNoRows) {
		return b, ErrNotFound
	} else if err != nil {
		return b, err
	}
	b.ServerIDs, b.AuthorityBy, b.AuthorityNotifiedAt = splitIDs(servers), authBy.Time, authAt.Time
	if b.Explanation, err = parseEx(fmt.Sprintf("breach %d", id), ex); err != nil {
		return b, err
	}
	rows, err := q.QueryContext(ctx, `SELECT org_id, subscriptions, informed_at, authority_decision, subjects_decision, decided_at FROM privacy_breach_customers
		WHERE breach_id = $1 ORDER BY org_id`, id)
	if err != nil {
		return b, err
	}
	for rows.Next() {
		var c BreachCustomer
		var subs string
		var inf, dec sql.NullTime
		if err := rows.Scan(&c.OrgID, &subs, &inf, &c.Authority, &c.Subjects, &dec); err != nil {
			rows.Close()
			return b, err
		}
		c.Subscriptions, c.InformedAt, c.DecidedAt = splitIDs(subs), inf.Time, dec.Time
		b.Customers = append(b.Customers, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return b, err
	}
	urows, err := q.QueryContext(ctx, `SELECT text, created_at FROM privacy_breach_updates WHERE breach_id = $1 ORDER BY id`, id)
	if err != nil {
		return b, err
	}
	defer urows.Close()
	for urows.Next() {
		var u BreachUpdate
		if err := urows.Scan(&u.Text, &u.CreatedAt); err != nil {
			return b, err
		}
		b.Updates = append(b.Updates, u)
	}
	return b, urows.Err()
}

// GetBreach returns a breach for staff.
func (s *Service) GetBreach(ctx context.Context, by accounts.Principal, id int64) (Breach, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return Breach{}, err
	}
	return s.breach(ctx, s.db, id)
}

// BreachNotices returns the breaches an organisation was informed of, as its portal
// shows them (only its own row of the affected customers).
func (s *Service) BreachNotices(ctx context.Context, by accounts.Principal, orgID int64) ([]Breach, error) {
	if err := by.CheckAny(accounts.OrgID(orgID), accounts.PrivacyNotices, accounts.PrivacyRead); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT breach_id FROM privacy_breach_customers WHERE org_id = $1 AND informed_at IS NOT NULL ORDER BY id DESC LIMIT 100`, orgID)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	var out []Breach
	for _, id := range ids {
		b, err := s.breach(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		var mine []BreachCustomer
		for _, c := range b.Customers {
			if c.OrgID == orgID {
				mine = append(mine, c)
			}
		}
		b.Customers = mine
		out = append(out, b)
	}
	return out, nil
}

// AddBreachUpdate sends news about a breach to every customer informed of it.
func (s *Service) AddBreachUpdate(ctx context.Context, by accounts.Principal, id int64, text string) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	text = strings.TrimSpace(text)
	if text == "" || len(text) > 8000 {
		return invalid("text", "privacy.breach_field")
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		b, err := s.breach(ctx, q, id)
		if err != nil {
			return err
		}
		var uid int64
		if err := q.QueryRowContext(ctx, `INSERT INTO privacy_breach_updates (breach_id, text, created_at) VALUES ($1, $2, $3) RETURNING id`, id, text, now).Scan(&uid); err != nil {
			return err
		}
		for _, c := range b.Customers {
			if c.InformedAt.IsZero() {
				continue
			}
			to, err := s.d.Customers.Contact(ctx, q, c.OrgID)
			if err != nil || to.Email == "" {
				continue
			}
			l := lang(to.Lang)
			subject := fmt.Sprintf("Update melding datalek #%d", id)
			body := fmt.Sprintf("Beste %s,\n\nNieuws over het datalek #%d:\n\n%s\n\nMet vriendelijke groet,\n%s\n", to.Name, id, text, s.d.Provider)
			if l == "en" {
				subject = fmt.Sprintf("Update on data breach notice #%d", id)
				body = fmt.Sprintf("Dear %s,\n\nNews about data breach #%d:\n\n%s\n\nKind regards,\n%s\n", to.Name, id, text, s.d.Provider)
			}
			if _, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: fmt.Sprintf("privacy-breach-update:%d:%d", uid, c.OrgID), OrgID: c.OrgID,
				To: to.Email, ToName: to.Name, Lang: l, Subject: subject, Text: body}); err != nil {
				return err
			}
		}
		return record(ctx, q, now, 0, "breach.update", "breach", id, "update sent to the informed customers")
	})
}

// RecordBreachDecision records a customer's decision, as controller, on informing the
// authority and the data subjects (cp.dpa.8.1-8.2, fo.dpa.4.1-4.3): by the customer in the
// portal, or by staff who heard it.
func (s *Service) RecordBreachDecision(ctx context.Context, by accounts.Principal, id, orgID int64, authority, subjects string) error {
	if err := by.CheckAny(accounts.OrgID(orgID), accounts.SubprocessorObject, accounts.PrivacyManage); err != nil {
		return err
	}
	for _, d := range []string{authority, subjects} {
		if d != DecisionUndecided && d != DecisionNotify && d != DecisionNoNotify {
			return invalid("decision", "privacy.choose_decision")
		}
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE privacy_breach_customers SET authority_decision = $1, subjects_decision = $2, decided_at = $3
			WHERE breach_id = $4 AND org_id = $5 AND informed_at IS NOT NULL`, authority, subjects, now, id, orgID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return record(ctx, q, now, orgID, "breach.decision", "breach", id, fmt.Sprintf("controller's decision: authority %q, data subjects %q", authority, subjects))
	})
}

// AuthorityNotified records that the provider, as controller, notified the authority.
func (s *Service) AuthorityNotified(ctx context.Context, by accounts.Principal, id int64, at time.Time) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE privacy_breaches SET authority_notified_at = $1 WHERE id = $2 AND provider_controller`, store.Now(at), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return record(ctx, q, now, 0, "breach.authority", "breach", id, "notification to the supervisory authority recorded")
	})
}

// BreachJob alerts staff from the alert moment when customers are still uninformed
// (or the authority not notified), and sends the notices itself halfway between the
// alert and the deadline so that the deadline holds even when nobody acts.
func (s *Service) BreachJob() jobs.Job {
	return jobs.Job{Name: "privacy.breaches", Every: 5 * time.Minute, Run: s.RunBreaches}
}

// RunBreaches is BreachJob's step.
func (s *Service) RunBreaches(ctx context.Context, _ time.Time) error {
	ctx = audit.JobContext(ctx, "privacy.breaches")
	now := s.now()
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT b.id, b.alert_at, b.notify_by FROM privacy_breaches b
		JOIN privacy_breach_customers c ON c.breach_id = b.id AND c.informed_at IS NULL WHERE b.alert_at <= $1 ORDER BY b.id`, now)
	if err != nil {
		return err
	}
	type due struct {
		id              int64
		alert, notifyBy time.Time
	}
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.id, &d.alert, &d.notifyBy); err != nil {
			rows.Close()
			return err
		}
		list = append(list, d)
	}
	rows.Close()
	for _, d := range list {
		err := s.db.InTx(ctx, func(q store.Querier) error {
			if err := s.alertStaff(ctx, q, now, d.id, d.notifyBy); err != nil {
				return err
			}
			if !now.Before(d.alert.Add(d.notifyBy.Sub(d.alert) / 2)) {
				return s.notifyBreach(ctx, q, now, d.id)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	// The authority's 72 hours, where the provider is controller: one alert.
	arows, err := s.db.QueryContext(ctx, `SELECT id, authority_by FROM privacy_breaches WHERE provider_controller AND authority_notified_at IS NULL
		AND authority_by IS NOT NULL AND alert_at <= $1`, now)
	if err != nil {
		return err
	}
	var auth []due
	for arows.Next() {
		var d due
		if err := arows.Scan(&d.id, &d.notifyBy); err != nil {
			arows.Close()
			return err
		}
		auth = append(auth, d)
	}
	arows.Close()
	for _, d := range auth {
		if err := s.db.InTx(ctx, func(q store.Querier) error { return s.alertAuthority(ctx, q, now, d.id, d.notifyBy) }); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) staffAddress() string { return s.d.Pack.Provider.Email }

func (s *Service) alertStaff(ctx context.Context, q store.Querier, now time.Time, id int64, by time.Time) error {
	to := s.staffAddress()
	if to == "" {
		return nil
	}
	_, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: fmt.Sprintf("privacy-breach-alert:%d", id), To: to, Lang: "nl",
		Subject: fmt.Sprintf("Datalek #%d: klanten nog niet geïnformeerd / customers not yet informed", id),
		Text: fmt.Sprintf("Datalek #%d: de getroffen klanten moeten uiterlijk %s geïnformeerd zijn.\nBreach #%d: the affected customers must be informed by %s.\n%s/staff/privacy/breaches/%d\n",
			id, by.UTC().Format(time.RFC3339), id, by.UTC().Format(time.RFC3339), s.d.BaseURL, id)})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}

func (s *Service) alertAuthority(ctx context.Context, q store.Querier, now time.Time, id int64, by time.Time) error {
	to := s.staffAddress()
	if to == "" {
		return nil
	}
	_, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: fmt.Sprintf("privacy-breach-authority:%d", id), To: to, Lang: "nl",
		Subject: fmt.Sprintf("Datalek #%d: melding aan de AP / notification to the authority", id),
		Text: fmt.Sprintf("Datalek #%d: meld het lek uiterlijk %s aan de Autoriteit Persoonsgegevens (AVG art. 33).\nBreach #%d: notify the Dutch DPA by %s (GDPR art. 33).\n",
			id, by.UTC().Format(time.RFC3339), id, by.UTC().Format(time.RFC3339))})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}
