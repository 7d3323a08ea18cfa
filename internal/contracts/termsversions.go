package contracts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// TermsVersion is a version of the terms staff published, with the dates that follow
// from its announcement (cp.av.18.2-18.3, fo.av.22.1-22.3).
type TermsVersion struct {
	ID              int64             `json:"id"`
	Pack            string            `json:"pack"`
	Version         string            `json:"version"`
	Summary         string            `json:"summary"`
	AnnouncedOn     terms.Date        `json:"announced_on"`
	EffectiveOn     terms.Date        `json:"effective_on"`
	ObjectionBy     terms.Date        `json:"objection_by,omitzero"`
	TerminationAsOf terms.Date        `json:"termination_as_of"`
	Explanation     terms.Explanation `json:"explanation"`
}

// currentTermsVersion is the version new orders accept: the last published version in
// force on day, or else the pack's version in force.
func (s *Service) currentTermsVersion(ctx context.Context, q store.Querier, day terms.Date) (string, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT version FROM terms_versions WHERE pack = $1 AND effective_on <= $2 ORDER BY effective_on DESC, id DESC LIMIT 1`,
		s.pack.Name, day).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	pol, err := s.policy(day)
	if err != nil {
		return "", err
	}
	return pol.Version, nil
}

// CurrentTermsVersion returns the version of the terms a new order accepts today.
func (s *Service) CurrentTermsVersion(ctx context.Context) (string, error) {
	return s.currentTermsVersion(ctx, s.db, s.today())
}

// TermsVersionInput publishes a new version.
type TermsVersionInput struct {
	Version   string     `json:"version"`
	Effective terms.Date `json:"effective"`
	Summary   string     `json:"summary"`
}

var versionRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// PublishTermsVersion announces a new version of the terms today, effective on
// in.Effective, which may not be earlier than the terms allow (terms.TermsChange).
// Every customer with a running contract is notified once. Staff with the sales role.
func (s *Service) PublishTermsVersion(ctx context.Context, by accounts.Principal, in TermsVersionInput) (TermsVersion, error) {
	if err := by.Check(accounts.CatalogManage, accounts.Provider); err != nil {
		return TermsVersion{}, err
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return TermsVersion{}, err
	}
	res, ex, err := pol.TermsChange(today)
	if err != nil {
		return TermsVersion{}, err
	}
	fe := accounts.FieldErrors{}
	in.Version, in.Summary = strings.TrimSpace(in.Version), strings.TrimSpace(in.Summary)
	if !versionRE.MatchString(in.Version) {
		fe["version"] = i18n.T("contracts.name_version_with_letters")
	}
	if len(in.Summary) > 4000 {
		fe["summary"] = i18n.T("contracts.most_4000_characters")
	}
	switch {
	case in.Effective.IsZero():
		fe["effective"] = i18n.T("contracts.give_date_new_terms")
	case in.Effective.Before(res.Effective):
		fe["effective"] = i18n.T("contracts.announced_today_new_terms", res.Effective, joinClauses(pol.Terms.TermsChange.Clauses))
	}
	if len(fe) > 0 {
		return TermsVersion{}, fe
	}
	tv := TermsVersion{Pack: s.pack.Name, Version: in.Version, Summary: in.Summary, AnnouncedOn: today, EffectiveOn: in.Effective,
		ObjectionBy: res.ObjectionBy, TerminationAsOf: in.Effective, Explanation: ex}
	if in.Effective != res.Effective {
		tv.Explanation = append(tv.Explanation, terms.Step{Clause: joinClauses(pol.Terms.TermsChange.Clauses),
			Says:   "The provider chose a later effective date; a customer who does not accept the change may end the contract as of that date.",
			Inputs: []terms.Input{{Name: "effective", Value: in.Effective.String()}}, Value: in.Effective.String(),
			Key: "terms_change.later", Args: terms.StepArgs(map[string]any{"effective": in.Effective})})
	}
	ctx = actorFor(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		err := q.QueryRowContext(ctx, `INSERT INTO terms_versions (pack, version, summary, announced_on, effective_on, objection_by, termination_as_of,
			explanation, published_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			tv.Pack, tv.Version, tv.Summary, tv.AnnouncedOn, tv.EffectiveOn, nullDate(tv.ObjectionBy), tv.TerminationAsOf,
			exJSON(tv.Explanation), by.User.ID, now).Scan(&tv.ID)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"version": i18n.T("contracts.this_version_exists")}
		}
		if err != nil {
			return err
		}
		if err := record(ctx, q, now, 0, "terms.publish", "terms_version", tv.ID,
			fmt.Sprintf("terms version %s announced on %s, effective %s", tv.Version, today, tv.EffectiveOn)); err != nil {
			return err
		}
		orgs, err := runningCustomers(ctx, q, s.pack.Name)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if err := s.mail(ctx, q, now, o.ID, o.Email, o.Lang, "terms_changed", fmt.Sprintf("terms:%d:org:%d", tv.ID, o.ID), map[string]any{
				"Name": o.Name, "Version": tv.Version, "Effective": tv.EffectiveOn, "Summary": tv.Summary,
				"ObjectionBy": mailDate(tv.ObjectionBy), "TerminationAsOf": tv.TerminationAsOf, "Explanation": tv.Explanation.Plain(o.Lang),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	return tv, err
}

// dateText is a date for a mail: the mail writes it in the reader's language
// (notify.Render); "" when there is none, so a template can test it.
func mailDate(d terms.Date) any {
	if d.IsZero() {
		return ""
	}
	return d
}

func dateText(d terms.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// runningCustomers lists each organisation with a running contract once, with the
// contact details of its latest contract.
func runningCustomers(ctx context.Context, q store.Querier, pack string) ([]customer, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.org_id, c.org_name, c.org_email, c.org_lang FROM contracts c
		WHERE c.pack = $1 AND c.status = 'active' AND c.id = (SELECT MAX(c2.id) FROM contracts c2 WHERE c2.org_id = c.org_id AND c2.pack = $1 AND c2.status = 'active')
		ORDER BY c.org_id`, pack)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []customer
	for rows.Next() {
		var c customer
		if err := rows.Scan(&c.ID, &c.Name, &c.Email, &c.Lang); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func getTermsVersion(ctx context.Context, q store.Querier, id int64) (TermsVersion, error) {
	var tv TermsVersion
	var ex string
	err := q.QueryRowContext(ctx, `SELECT id, pack, version, summary, announced_on, effective_on, objection_by, termination_as_of, explanation
		FROM terms_versions WHERE id = $1`, id).Scan(&tv.ID, &tv.Pack, &tv.Version, &tv.Summary, &tv.AnnouncedOn, &tv.EffectiveOn, &tv.ObjectionBy,
		&tv.TerminationAsOf, &ex)
	if errors.Is(err, sql.ErrNoRows) {
		return TermsVersion{}, accounts.ErrNotFound
	} else if err != nil {
		return TermsVersion{}, err
	}
	tv.Explanation, err = parseEx(fmt.Sprintf("terms version %d", tv.ID), ex)
	return tv, err
}

// ObjectToTermsChange records a customer's written, reasoned objection to announced
// terms (fo.av.22.3), received today. Only where the terms provide for objection and
// within its period; where they do not (cp.av.18.3), the customer ends the contract
// instead (ConfirmCancellation with BasisTermsChange).
func (s *Service) ObjectToTermsChange(ctx context.Context, by accounts.Principal, versionID, orgID int64, reason string) error {
	if err := by.Check(accounts.TermsObject, accounts.OrgID(orgID)); err != nil {
		return err
	}
	tv, err := getTermsVersion(ctx, s.db, versionID)
	if errors.Is(err, accounts.ErrNotFound) || (err == nil && tv.Pack != s.pack.Name) {
		return accounts.ErrNotFound
	} else if err != nil {
		return err
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return err
	}
	fe := accounts.FieldErrors{}
	reason = strings.TrimSpace(reason)
	switch {
	case tv.ObjectionBy.IsZero():
		fe["terms_version"] = i18n.T("contracts.no_objection", tv.TerminationAsOf)
	case today.After(tv.ObjectionBy):
		fe["terms_version"] = i18n.T("contracts.period_objections_ended_on", tv.ObjectionBy)
	}
	if reason == "" || len(reason) > 4000 {
		fe["reason"] = i18n.T("contracts.give_your_reasons_most")
	}
	if len(fe) > 0 {
		return fe
	}
	ex := append(terms.Explanation{}, tv.Explanation...)
	ex = append(ex, terms.Step{Clause: joinClauses(pol.Terms.TermsChange.Clauses), Says: "The objection was received within the period.",
		Inputs: []terms.Input{{Name: "received", Value: today.String()}, {Name: "objection_by", Value: tv.ObjectionBy.String()}}, Value: "true",
		Key: "terms_change.objected", Args: terms.StepArgs(map[string]any{"received": today, "objection_by": tv.ObjectionBy})})
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO terms_objections (terms_version_id, org_id, received_on, reason, recorded_by, explanation, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, versionID, orgID, today, reason, by.User.ID, exJSON(ex), now).Scan(&id)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"terms_version": i18n.T("contracts.objection_this_version_already")}
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "terms.object", "terms_objection", id, fmt.Sprintf("objection to terms version %s received on %s", tv.Version, today))
	})
}
