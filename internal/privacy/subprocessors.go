package privacy

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Subprocessor is a third party that processes customers' data for the provider
// (cp.dpa.6.1-6.3, fo.dpa.2.1-2.3).
type Subprocessor struct {
	ID       int64      `json:"id"`
	Name     string     `json:"name"`
	Purpose  string     `json:"purpose"`
	Location string     `json:"location"` // country, or "EEA"
	Transfer string     `json:"transfer"` // the safeguard of a transfer outside the EEA ("" inside it)
	Kinds    []string   `json:"kinds"`    // the catalog kinds of service that use it
	Since    terms.Date `json:"since"`
	Until    terms.Date `json:"until,omitzero"`
}

// SubprocessorInput registers or announces a subprocessor.
type SubprocessorInput struct {
	Name, Purpose, Location, Transfer string
	Kinds                             []string
	Since                             terms.Date
}

// Change is an announced change of the list, shown in the public history and feed.
type Change struct {
	ID             int64      `json:"id"`
	SubprocessorID int64      `json:"subprocessor_id"`
	ReplacesID     int64      `json:"replaces_id,omitempty"`
	Name           string     `json:"name"`
	Replaces       string     `json:"replaces,omitempty"`
	SummaryNL      string     `json:"summary_nl"`
	SummaryEN      string     `json:"summary_en"`
	AnnouncedAt    time.Time  `json:"announced_at"`
	EffectiveOn    terms.Date `json:"effective_on"`
	Customers      int        `json:"customers"`
}

// AnnounceInput announces a new subprocessor, or one that replaces ReplacesID, taking
// effect on EffectiveOn (the subprocessor's Since).
type AnnounceInput struct {
	SubprocessorInput
	ReplacesID int64
	SummaryNL  string
	SummaryEN  string
}

// Announcement is one customer's notice of a change, with its objection window.
type Announcement struct {
	ID            int64             `json:"id"`
	ChangeID      int64             `json:"change_id"`
	OrgID         int64             `json:"org_id"`
	Subscriptions []int64           `json:"subscriptions"`
	Token         string            `json:"-"`
	OutboxID      int64             `json:"-"`
	InformedOn    terms.Date        `json:"informed_on"`
	ObjectionBy   terms.Date        `json:"objection_by"`
	EffectiveOn   terms.Date        `json:"effective_on"`
	Name          string            `json:"name"`
	Explanation   terms.Explanation `json:"explanation"`
	Objection     *Objection        `json:"objection,omitempty"`
}

// Outcomes of an objection.
const (
	OutcomeOpen            = ""
	OutcomeAccommodated    = "accommodated"     // the provider found a way (another subprocessor, an exception)
	OutcomeNotAccommodated = "not_accommodated" // the customer may end the affected agreements
)

// Objection is a customer's objection to an announced change.
type Objection struct {
	ID             int64             `json:"id"`
	AnnouncementID int64             `json:"announcement_id"`
	OrgID          int64             `json:"org_id"`
	Channel        string            `json:"channel"` // portal or email
	ReceivedAt     time.Time         `json:"received_at"`
	ReceivedOn     terms.Date        `json:"received_on"`
	InTime         bool              `json:"in_time"`
	Reason         string            `json:"reason"`
	Outcome        string            `json:"outcome"`
	Resolution     string            `json:"resolution"`
	ResolvedAt     time.Time         `json:"resolved_at,omitzero"`
	Explanation    terms.Explanation `json:"explanation"`
}

// Unresolved reports whether the objection still gives the right to end the affected
// agreements: made in time and not accommodated (cp.dpa.6.2, fo.dpa.2.2).
func (o Objection) Unresolved() bool { return o.InTime && o.Outcome != OutcomeAccommodated }

func (in *SubprocessorInput) validate() error {
	fe := accounts.FieldErrors{}
	in.Name, in.Purpose, in.Location, in.Transfer = strings.TrimSpace(in.Name), strings.TrimSpace(in.Purpose), strings.TrimSpace(in.Location), strings.TrimSpace(in.Transfer)
	if in.Name == "" || len(in.Name) > 200 {
		fe["name"] = i18n.T("privacy.give_name")
	}
	if in.Purpose == "" || len(in.Purpose) > 1000 {
		fe["purpose"] = i18n.T("privacy.give_purpose")
	}
	if in.Location == "" || len(in.Location) > 200 {
		fe["location"] = i18n.T("privacy.give_location")
	}
	if len(in.Transfer) > 1000 {
		fe["transfer"] = i18n.T("privacy.too_long")
	}
	var kinds []string
	for _, k := range in.Kinds {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	in.Kinds = kinds
	if len(kinds) == 0 {
		fe["kinds"] = i18n.T("privacy.give_kinds")
	}
	if in.Since.IsZero() {
		fe["since"] = i18n.T("privacy.give_since")
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

const subCols = `id, name, purpose, location, transfer, kinds, since_on, until_on`

func scanSub(sc interface{ Scan(...any) error }) (Subprocessor, error) {
	var p Subprocessor
	var kinds string
	var until sql.NullString
	if err := sc.Scan(&p.ID, &p.Name, &p.Purpose, &p.Location, &p.Transfer, &kinds, &p.Since, &until); err != nil {
		return p, err
	}
	if kinds != "" {
		p.Kinds = strings.Split(kinds, ",")
	}
	if until.Valid && until.String != "" {
		d, err := terms.ParseDate(until.String)
		if err != nil {
			return p, err
		}
		p.Until = d
	}
	return p, nil
}

func insertSub(ctx context.Context, q store.Querier, now time.Time, in SubprocessorInput) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO privacy_subprocessors (name, purpose, location, transfer, kinds, since_on, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, in.Name, in.Purpose, in.Location, in.Transfer, strings.Join(in.Kinds, ","), in.Since.String(), now).Scan(&id)
	return id, err
}

// AddSubprocessor registers a subprocessor already in use, without an announcement
// (the list as it stood when hostpact was installed).
func (s *Service) AddSubprocessor(ctx context.Context, by accounts.Principal, in SubprocessorInput) (Subprocessor, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return Subprocessor{}, err
	}
	if err := in.validate(); err != nil {
		return Subprocessor{}, err
	}
	ctx = actorFor(ctx, by)
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var err error
		if id, err = insertSub(ctx, q, now, in); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "subprocessor.add", "subprocessor", id, fmt.Sprintf("subprocessor %s registered (in use since %s)", in.Name, in.Since))
	})
	if err != nil {
		return Subprocessor{}, err
	}
	return s.subprocessor(ctx, s.db, id)
}

func (s *Service) subprocessor(ctx context.Context, q store.Querier, id int64) (Subprocessor, error) {
	p, err := scanSub(q.QueryRowContext(ctx, `SELECT `+subCols+` FROM privacy_subprocessors WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrNotFound
	}
	return p, err
}

// Subprocessors is the public list: every subprocessor in use on day (zero: today),
// and the ones announced to start later. Public (cp.dpa.6.2: the list on request).
func (s *Service) Subprocessors(ctx context.Context) ([]Subprocessor, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+subCols+` FROM privacy_subprocessors WHERE until_on IS NULL OR until_on > $1 ORDER BY name, id`, s.today().String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Subprocessor
	for rows.Next() {
		p, err := scanSub(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// History is the public change history, newest first, up to limit, before the change
// id before (0: from the newest).
func (s *Service) History(ctx context.Context, before int64, limit int) ([]Change, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.subprocessor_id, c.replaces_id, p.name, COALESCE(r.name, ''), c.summary_nl, c.summary_en, c.announced_at, c.effective_on, c.customers
		FROM privacy_subprocessor_changes c JOIN privacy_subprocessors p ON p.id = c.subprocessor_id
		LEFT JOIN privacy_subprocessors r ON r.id = c.replaces_id
		WHERE c.id < $1 ORDER BY c.id DESC LIMIT $2`, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		if err := rows.Scan(&c.ID, &c.SubprocessorID, &c.ReplacesID, &c.Name, &c.Replaces, &c.SummaryNL, &c.SummaryEN, &c.AnnouncedAt, &c.EffectiveOn, &c.Customers); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func newToken() string {
	b := make([]byte, 10)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// Announce registers a new (or replacing) subprocessor and announces it to every
// affected customer — each with a running subscription of one of its kinds — by mail
// through the outbox, opening the objection window of the pack's deadline
// "subprocessor-objection" (cp.dpa.6.2, fo.dpa.2.2) from today. Everything happens in
// one transaction: the list, the history, the notices and the mails exist together.
func (s *Service) Announce(ctx context.Context, by accounts.Principal, in AnnounceInput) (Change, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return Change{}, err
	}
	if err := in.validate(); err != nil {
		return Change{}, err
	}
	in.SummaryNL, in.SummaryEN = strings.TrimSpace(in.SummaryNL), strings.TrimSpace(in.SummaryEN)
	if in.SummaryNL == "" || in.SummaryEN == "" || len(in.SummaryNL) > 4000 || len(in.SummaryEN) > 4000 {
		return Change{}, invalid("summary", "privacy.give_summary")
	}
	today := s.today()
	pol, err := s.policy()
	if err != nil {
		return Change{}, err
	}
	dl, dex, err := pol.Deadline("subprocessor-objection", today)
	if err != nil {
		return Change{}, err
	}
	if in.Since.Before(today) {
		return Change{}, invalid("since", "privacy.change_not_in_past")
	}
	ctx = actorFor(ctx, by)
	var changeID int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var replaced Subprocessor
		if in.ReplacesID != 0 {
			var err error
			if replaced, err = s.subprocessor(ctx, q, in.ReplacesID); err != nil {
				return invalid("replaces", "privacy.no_such_subprocessor")
			}
			if !replaced.Until.IsZero() {
				return invalid("replaces", "privacy.already_replaced")
			}
			if _, err := q.ExecContext(ctx, `UPDATE privacy_subprocessors SET until_on = $1 WHERE id = $2`, in.Since.String(), in.ReplacesID); err != nil {
				return err
			}
		}
		subID, err := insertSub(ctx, q, now, in.SubprocessorInput)
		if err != nil {
			return err
		}
		// The customers affected: the kinds of the new one and, for a replacement, of
		// the one it replaces.
		kinds := slices.Clone(in.Kinds)
		for _, k := range replaced.Kinds {
			if !slices.Contains(kinds, k) {
				kinds = append(kinds, k)
			}
		}
		affected, err := s.d.Subscriptions.RunningOfKinds(ctx, q, kinds, today)
		if err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO privacy_subprocessor_changes (subprocessor_id, replaces_id, summary_nl, summary_en, announced_at, effective_on, customers, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $5) RETURNING id`, subID, in.ReplacesID, in.SummaryNL, in.SummaryEN, now, in.Since.String(), len(affected)).Scan(&changeID); err != nil {
			return err
		}
		for _, a := range affected {
			if err := s.announceTo(ctx, q, now, changeID, in, replaced.Name, a, today, dl.Deadline, dex); err != nil {
				return err
			}
		}
		summary := fmt.Sprintf("subprocessor %s announced for %s, effective %s; %d customers informed, objections until %s", in.Name, strings.Join(in.Kinds, ", "), in.Since, len(affected), dl.Deadline)
		if replaced.ID != 0 {
			summary += "; replaces " + replaced.Name
		}
		return record(ctx, q, now, 0, "subprocessor.announce", "subprocessor_change", changeID, summary)
	})
	if err != nil {
		return Change{}, err
	}
	h, err := s.History(ctx, changeID+1, 1)
	if err != nil || len(h) == 0 {
		return Change{}, errors.Join(err, ErrNotFound)
	}
	return h[0], nil
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

func splitIDs(s string) []int64 {
	var out []int64
	for _, p := range strings.Split(s, ",") {
		if id, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

func (s *Service) announceTo(ctx context.Context, q store.Querier, now time.Time, changeID int64, in AnnounceInput, replaces string, a Affected,
	today, by terms.Date, ex terms.Explanation) error {
	to, err := s.d.Customers.Contact(ctx, q, a.OrgID)
	if err != nil {
		return fmt.Errorf("privacy: contact of organisation %d: %w", a.OrgID, err)
	}
	token := newToken()
	var id int64
	if err := q.QueryRowContext(ctx, `INSERT INTO privacy_announcements (change_id, org_id, subscriptions, token, informed_on, objection_by, explanation, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`, changeID, a.OrgID, joinIDs(a.Subscriptions), token, today.String(), by.String(), exJSON(ex), now).Scan(&id); err != nil {
		return err
	}
	if to.Email == "" {
		return nil // a disabled organisation: the portal still shows the notice
	}
	l := lang(to.Lang)
	subject, body := announcementMail(l, s.d.Provider, s.d.BaseURL, to.Name, in, replaces, by, token)
	msg := notify.Message{DedupeKey: fmt.Sprintf("privacy-announcement:%d", id), OrgID: a.OrgID,
		To: to.Email, ToName: to.Name, Lang: l, Subject: subject, Text: body}
	if s.d.ReplyDomain != "" {
		// An objection by reply reaches the privacy desk's handler (MailHandler).
		msg.Thread.ReplyTo = "privacy@" + s.d.ReplyDomain
	}
	outbox, err := notify.Enqueue(ctx, q, now, msg)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE privacy_announcements SET outbox_id = $1 WHERE id = $2`, outbox, id)
	return err
}

// tokenPrefix marks the announcement token in a mail subject: a reply keeps it.
const tokenPrefix = "[sub-"

func announcementMail(l, provider, baseURL, name string, in AnnounceInput, replaces string, by terms.Date, token string) (string, string) {
	tag := tokenPrefix + token + "]"
	if l == "en" {
		subject := fmt.Sprintf("New subprocessor: %s %s", in.Name, tag)
		var b strings.Builder
		fmt.Fprintf(&b, "Dear %s,\n\nFrom %s we engage a new subprocessor for the processing of your data: %s (%s), for %s.\n", name, in.Since.In("en"), in.Name, in.Location, in.Purpose)
		if replaces != "" {
			fmt.Fprintf(&b, "It replaces %s.\n", replaces)
		}
		if in.Transfer != "" {
			fmt.Fprintf(&b, "Data go outside the EEA with this safeguard: %s.\n", in.Transfer)
		}
		fmt.Fprintf(&b, "\n%s\n\nYou may object, in writing and with your reasons, until %s: with the button on %s/portal/privacy, or by replying to this e-mail. If we cannot take your objection away, you may end the agreements concerned as of the change.\n\nThe full list and its history: %s/subprocessors\n\nKind regards,\n%s\n",
			in.SummaryEN, by.In("en"), baseURL, baseURL, provider)
		return subject, b.String()
	}
	subject := fmt.Sprintf("Nieuwe subverwerker: %s %s", in.Name, tag)
	var b strings.Builder
	fmt.Fprintf(&b, "Beste %s,\n\nVanaf %s schakelen we een nieuwe subverwerker in bij de verwerking van je gegevens: %s (%s), voor %s.\n", name, in.Since.In("nl"), in.Name, in.Location, in.Purpose)
	if replaces != "" {
		fmt.Fprintf(&b, "Deze vervangt %s.\n", replaces)
	}
	if in.Transfer != "" {
		fmt.Fprintf(&b, "Gegevens gaan buiten de EER, met deze waarborg: %s.\n", in.Transfer)
	}
	fmt.Fprintf(&b, "\n%s\n\nJe kunt tot en met %s schriftelijk en met redenen bezwaar maken: met de knop op %s/portal/privacy, of door op deze e-mail te antwoorden. Kunnen we je bezwaar niet wegnemen, dan mag je de betrokken overeenkomsten beëindigen met ingang van de wijziging.\n\nDe volledige lijst en de geschiedenis: %s/subprocessors\n\nMet vriendelijke groet,\n%s\n",
		in.SummaryNL, by.In("nl"), baseURL, baseURL, provider)
	return subject, b.String()
}

const annCols = `a.id, a.change_id, a.org_id, a.subscriptions, a.token, a.outbox_id, a.informed_on, a.objection_by, c.effective_on, p.name, a.explanation`
const annFrom = ` FROM privacy_announcements a JOIN privacy_subprocessor_changes c ON c.id = a.change_id JOIN privacy_subprocessors p ON p.id = c.subprocessor_id `

func scanAnn(sc interface{ Scan(...any) error }) (Announcement, error) {
	var a Announcement
	var subs, ex string
	if err := sc.Scan(&a.ID, &a.ChangeID, &a.OrgID, &subs, &a.Token, &a.OutboxID, &a.InformedOn, &a.ObjectionBy, &a.EffectiveOn, &a.Name, &ex); err != nil {
		return a, err
	}
	a.Subscriptions = splitIDs(subs)
	var err error
	a.Explanation, err = parseEx(fmt.Sprintf("announcement %d", a.ID), ex)
	return a, err
}

func (s *Service) announcementWhere(ctx context.Context, q store.Querier, where string, args ...any) (Announcement, error) {
	a, err := scanAnn(q.QueryRowContext(ctx, `SELECT `+annCols+annFrom+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	o, err := s.objectionOf(ctx, q, a.ID)
	if err == nil {
		a.Objection = &o
	} else if !errors.Is(err, ErrNotFound) {
		return a, err
	}
	return a, nil
}

// Announcements lists an organisation's subprocessor notices, newest first, with
// their objections (the portal's privacy page).
func (s *Service) Announcements(ctx context.Context, by accounts.Principal, orgID int64) ([]Announcement, error) {
	if err := by.CheckAny(accounts.OrgID(orgID), accounts.PrivacyNotices, accounts.PrivacyRead); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+annCols+annFrom+` WHERE a.org_id = $1 ORDER BY a.id DESC LIMIT 100`, orgID)
	if err != nil {
		return nil, err
	}
	var out []Announcement
	for rows.Next() {
		a, err := scanAnn(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if o, err := s.objectionOf(ctx, s.db, out[i].ID); err == nil {
			out[i].Objection = &o
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
	}
	return out, nil
}

const objCols = `id, announcement_id, org_id, channel, received_at, received_on, in_time, reason, outcome, resolution, resolved_at, explanation`

func scanObj(sc interface{ Scan(...any) error }) (Objection, error) {
	var o Objection
	var resolved sql.NullTime
	var ex string
	if err := sc.Scan(&o.ID, &o.AnnouncementID, &o.OrgID, &o.Channel, &o.ReceivedAt, &o.ReceivedOn, &o.InTime, &o.Reason, &o.Outcome, &o.Resolution, &resolved, &ex); err != nil {
		return o, err
	}
	o.ResolvedAt = resolved.Time
	var err error
	o.Explanation, err = parseEx(fmt.Sprintf("objection %d", o.ID), ex)
	return o, err
}

func (s *Service) objectionOf(ctx context.Context, q store.Querier, announcementID int64) (Objection, error) {
	o, err := scanObj(q.QueryRowContext(ctx, `SELECT `+objCols+` FROM privacy_objections WHERE announcement_id = $1`, announcementID))
	if errors.Is(err, sql.ErrNoRows) {
		return o, ErrNotFound
	}
	return o, err
}

// Object records a customer's objection from the portal, received now, with its
// reasons (cp.dpa.6.2 and fo.dpa.2.2 ask for written, reasoned objections).
func (s *Service) Object(ctx context.Context, by accounts.Principal, announcementID int64, reason string) (Objection, error) {
	a, err := s.announcementWhere(ctx, s.db, `WHERE a.id = $1`, announcementID)
	if err != nil {
		return Objection{}, err
	}
	if err := by.Check(accounts.SubprocessorObject, accounts.OrgID(a.OrgID)); err != nil {
		return Objection{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 4000 {
		return Objection{}, invalid("reason", "privacy.give_reasons")
	}
	return s.object(actorFor(ctx, by), a, "portal", s.now(), reason, "")
}

func (s *Service) object(ctx context.Context, a Announcement, channel string, at time.Time, reason, messageID string) (Objection, error) {
	pol, err := s.policy()
	if err != nil {
		return Objection{}, err
	}
	received := terms.DateIn(at, clock.Amsterdam)
	res, ex, err := pol.SubprocessorObjection(a.InformedOn, received)
	if err != nil {
		return Objection{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		err := q.QueryRowContext(ctx, `INSERT INTO privacy_objections (announcement_id, org_id, channel, received_at, received_on, in_time, reason, message_id, explanation, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`, a.ID, a.OrgID, channel, store.Now(at), received.String(), res.InTime, reason, messageID, exJSON(ex), now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return invalid("announcement", "privacy.already_objected")
		}
		if err != nil {
			return err
		}
		late := ""
		if !res.InTime {
			late = " (after the period)"
		}
		return record(ctx, q, now, a.OrgID, "subprocessor.object", "subprocessor_objection", id,
			fmt.Sprintf("objection to subprocessor %s by %s received %s%s", a.Name, channel, received, late))
	})
	if err != nil {
		return Objection{}, err
	}
	return s.objectionOf(ctx, s.db, a.ID)
}

// Resolve records how staff resolved an objection: accommodated (with how), or not
// (the customer may then end the affected agreements as of the change).
func (s *Service) Resolve(ctx context.Context, by accounts.Principal, objectionID int64, outcome, resolution string) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	if outcome != OutcomeAccommodated && outcome != OutcomeNotAccommodated {
		return invalid("outcome", "privacy.choose_outcome")
	}
	resolution = strings.TrimSpace(resolution)
	if resolution == "" || len(resolution) > 4000 {
		return invalid("resolution", "privacy.give_resolution")
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var orgID int64
		err := q.QueryRowContext(ctx, `UPDATE privacy_objections SET outcome = $1, resolution = $2, resolved_at = $3, resolved_by = $4
			WHERE id = $5 AND outcome = '' RETURNING org_id`, outcome, resolution, now, by.User.ID, objectionID).Scan(&orgID)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid("objection", "privacy.objection_resolved_or_missing")
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "subprocessor.resolve", "subprocessor_objection", objectionID, fmt.Sprintf("objection resolved: %s", outcome))
	})
}

// Objections lists objections for staff, open ones first when open is set.
func (s *Service) Objections(ctx context.Context, by accounts.Principal, open bool) ([]Objection, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return nil, err
	}
	where := ``
	if open {
		where = `WHERE outcome = ''`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+objCols+` FROM privacy_objections `+where+` ORDER BY id DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Objection
	for rows.Next() {
		o, err := scanObj(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ObjectionBasis is what contracts asks before ending a subscription on the basis of
// an objection (contracts.BasisSubprocessor): the day of the change and the
// explanation, when objectionID is an unresolved objection of orgID whose announcement
// covered subscriptionID. Read in the caller's transaction.
func (s *Service) ObjectionBasis(ctx context.Context, q store.Querier, objectionID, orgID, subscriptionID int64) (terms.Date, terms.Explanation, error) {
	var annID int64
	if err := q.QueryRowContext(ctx, `SELECT announcement_id FROM privacy_objections WHERE id = $1 AND org_id = $2`, objectionID, orgID).Scan(&annID); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return terms.Date{}, nil, ErrNotFound
		}
		return terms.Date{}, nil, err
	}
	a, err := s.announcementWhere(ctx, q, `WHERE a.id = $1`, annID)
	if err != nil {
		return terms.Date{}, nil, err
	}
	if a.Objection == nil || !a.Objection.Unresolved() || !slices.Contains(a.Subscriptions, subscriptionID) {
		return terms.Date{}, nil, ErrNotFound
	}
	return a.EffectiveOn, a.Objection.Explanation, nil
}
