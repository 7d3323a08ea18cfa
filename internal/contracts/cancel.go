package contracts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Bases of a cancellation: the ordinary notice of the terms, or a right that a price
// increase, a change of terms or force majeure gives.
const (
	BasisRegular       = "regular" // cp.av.13.1-13.3, fo.av.20.3
	BasisPriceIncrease = string(terms.BasisPriceIncrease)
	BasisTermsChange   = string(terms.BasisTermsChange)
	BasisForceMajeure  = string(terms.BasisForceMajeure)
	// BasisSubprocessor rests on an objection to a new subprocessor made in time and
	// not accommodated (cp.dpa.6.2, fo.dpa.2.2); BasisID is the objection (package
	// privacy), which answers through SubprocessorObjections.
	BasisSubprocessor = string(terms.BasisSubprocessor)
)

// SubprocessorObjections is what a cancellation on BasisSubprocessor asks the privacy
// package, in the cancellation's transaction: the day of the change and the
// objection's explanation when objectionID is an unresolved objection of orgID whose
// notice covered subscriptionID, else an error.
type SubprocessorObjections interface {
	ObjectionBasis(ctx context.Context, q store.Querier, objectionID, orgID, subscriptionID int64) (terms.Date, terms.Explanation, error)
}

// UseSubprocessorObjections lets cancellations rest on objections to subprocessors.
func (s *Service) UseSubprocessorObjections(o SubprocessorObjections) { s.objections = o }

// CancelInput is a cancellation of one subscription (or one domain, cp.av.13.1).
type CancelInput struct {
	Basis   string `json:"basis"`    // default regular
	BasisID int64  `json:"basis_id"` // the price increase, terms version or force majeure it rests on
	// Staff recording a cancellation give the channel and the moment of receipt
	// (cp.av.13.4); a customer's portal cancellation is received now.
	Channel    string    `json:"channel"`
	ReceivedAt time.Time `json:"received_at"`
	Note       string    `json:"note"`
	// ExpectEndsOn is the end date the customer was shown by the preview; confirming
	// fails when the date would now be different.
	ExpectEndsOn terms.Date `json:"expect_ends_on"`
}

// CancellationPreview is the computed end of a subscription if the cancellation is
// received on Received.
type CancellationPreview struct {
	SubscriptionID int64             `json:"subscription_id"`
	Basis          string            `json:"basis"`
	Received       terms.Date        `json:"received"`
	EndsOn         terms.Date        `json:"ends_on"`  // first day the subscription no longer runs
	Deadline       terms.Date        `json:"deadline"` // last day a cancellation still ends it on EndsOn
	Renewed        bool              `json:"renewed"`
	Explanation    terms.Explanation `json:"explanation"`
	Text           string            `json:"text"`
}

// Cancellation is a recorded cancellation.
type Cancellation struct {
	ID int64 `json:"id"`
	CancellationPreview
	Channel    string    `json:"channel"`
	ReceivedAt time.Time `json:"received_at"`
	ByStaff    bool      `json:"by_staff"`
}

func (s *Service) decideCancellation(ctx context.Context, q store.Querier, c Contract, sub Subscription, basis string, basisID int64, received terms.Date) (CancellationPreview, error) {
	fe := accounts.FieldErrors{}
	switch {
	case sub.Status == SubEnded:
		fe["subscription"] = i18n.T("contracts.this_service_has_ended")
	case !sub.EndsOn.IsZero():
		fe["subscription"] = i18n.T("contracts.already_cancelled", sub.EndsOn)
	case sub.Billing != catalog.Subscription:
		fe["subscription"] = i18n.T("contracts.one_off_project_has")
	}
	if received.Before(sub.StartOn) {
		fe["received_at"] = i18n.T("contracts.before_start", sub.StartOn)
	}
	if basis == "" {
		basis = BasisRegular
	}
	if len(fe) > 0 {
		return CancellationPreview{}, fe
	}
	pol, err := s.policy(received)
	if err != nil {
		return CancellationPreview{}, err
	}
	res, ex, err := pol.Cancellation(terms.CancellationInput{Customer: c.CustomerKind, Start: sub.StartOn, Received: received})
	if err != nil {
		return CancellationPreview{}, termsErr(err, "received_at")
	}
	// A special basis: what it rests on is read here, its effect is the terms' rule.
	bin := terms.BasisCancellationInput{Basis: terms.CancellationBasis(basis), Received: received, Ordinary: res}
	var before terms.Explanation // the stored decision the basis rests on
	switch basis {
	case BasisRegular:
	case BasisPriceIncrease:
		var notice, pex string
		err := q.QueryRowContext(ctx, `SELECT effective_on, cancel_notice, termination_as_of, explanation FROM price_increase_items
			WHERE price_increase_id = $1 AND subscription_id = $2 AND allowed`, basisID, sub.ID).Scan(&bin.Effective, &notice, &bin.AsOf, &pex)
		if errors.Is(err, sql.ErrNoRows) {
			return CancellationPreview{}, accounts.FieldErrors{"basis_id": i18n.T("contracts.no_price_increase_this")}
		} else if err != nil {
			return CancellationPreview{}, err
		}
		if notice != "" {
			if bin.Notice, err = terms.ParsePeriod(notice); err != nil {
				return CancellationPreview{}, fmt.Errorf("price increase %d, subscription %d: notice: %w", basisID, sub.ID, err)
			}
		}
		if before, err = parseEx(fmt.Sprintf("price increase %d of subscription %d", basisID, sub.ID), pex); err != nil {
			return CancellationPreview{}, err
		}
	case BasisTermsChange:
		tv, err := getTermsVersion(ctx, q, basisID)
		if errors.Is(err, accounts.ErrNotFound) || (err == nil && tv.Pack != s.pack.Name) {
			return CancellationPreview{}, accounts.FieldErrors{"basis_id": i18n.T("contracts.no_such_terms_version")}
		} else if err != nil {
			return CancellationPreview{}, err
		}
		if !tv.ObjectionBy.IsZero() && received.Before(tv.EffectiveOn) {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM terms_objections WHERE terms_version_id = $1 AND org_id = $2`, tv.ID, c.OrgID).Scan(&n); err != nil {
				return CancellationPreview{}, err
			}
			if n == 0 {
				return CancellationPreview{}, accounts.FieldErrors{"basis": i18n.T("contracts.these_terms_let_you", tv.ObjectionBy)}
			}
		}
		bin.Effective, bin.AsOf, before = tv.EffectiveOn, tv.TerminationAsOf, tv.Explanation
	case BasisForceMajeure:
		var fex string
		err := q.QueryRowContext(ctx, `SELECT rights_from, ended_on, explanation FROM force_majeure WHERE id = $1 AND pack = $2`, basisID, s.pack.Name).
			Scan(&bin.RightsFrom, &bin.Ended, &fex)
		if errors.Is(err, sql.ErrNoRows) {
			return CancellationPreview{}, accounts.FieldErrors{"basis_id": i18n.T("contracts.no_such_force_majeure")}
		} else if err != nil {
			return CancellationPreview{}, err
		}
		if before, err = parseEx(fmt.Sprintf("force majeure %d", basisID), fex); err != nil {
			return CancellationPreview{}, err
		}
	case BasisSubprocessor:
		if s.objections == nil {
			return CancellationPreview{}, accounts.FieldErrors{"basis": i18n.T("contracts.choose_regular_price_increase")}
		}
		asOf, oex, err := s.objections.ObjectionBasis(ctx, q, basisID, c.OrgID, sub.ID)
		if errors.Is(err, accounts.ErrNotFound) {
			return CancellationPreview{}, accounts.FieldErrors{"basis_id": i18n.T("contracts.no_subprocessor_objection")}
		} else if err != nil {
			return CancellationPreview{}, err
		}
		bin.AsOf, before = asOf, oex
	default:
		return CancellationPreview{}, accounts.FieldErrors{"basis": i18n.T("contracts.choose_regular_price_increase")}
	}
	if basis != BasisRegular {
		var bex terms.Explanation
		res, bex, err = pol.CancellationWithBasis(bin)
		if err != nil {
			return CancellationPreview{}, termsErr(err, "basis")
		}
		ex = slices.Concat(before, ex, bex)
	}
	p := CancellationPreview{SubscriptionID: sub.ID, Basis: basis, Received: received, EndsOn: res.Ends, Deadline: res.Deadline, Renewed: res.Renewed}
	p.Explanation, p.Text = ex, ex.Text()
	return p, nil
}

// subAndContract loads a subscription of this pack and its contract when by may do one
// of acts for its organisation.
func (s *Service) subAndContract(ctx context.Context, by accounts.Principal, subID int64, acts ...accounts.Action) (Subscription, Contract, error) {
	sub, err := getSub(ctx, s.db, subID)
	if err != nil {
		return Subscription{}, Contract{}, err
	}
	if sub.Pack != s.pack.Name {
		return Subscription{}, Contract{}, accounts.ErrNotFound
	}
	if err := by.CheckAny(accounts.OrgID(sub.OrgID), acts...); err != nil {
		return Subscription{}, Contract{}, err
	}
	c, err := getContract(ctx, s.db, sub.ContractID)
	return sub, c, err
}

// PreviewCancellation shows a customer (or staff) when a subscription would end if
// cancelled now, and why. Nothing is saved.
func (s *Service) PreviewCancellation(ctx context.Context, by accounts.Principal, subID int64, in CancelInput) (CancellationPreview, error) {
	sub, c, err := s.subAndContract(ctx, by, subID, accounts.SubscriptionCancel, accounts.CancellationRecord)
	if err != nil {
		return CancellationPreview{}, err
	}
	received := s.today()
	if by.Can(accounts.CancellationRecord, accounts.OrgID(sub.OrgID)) && !in.ReceivedAt.IsZero() {
		received = dateOf(in.ReceivedAt)
	}
	return s.decideCancellation(ctx, s.db, c, sub, in.Basis, in.BasisID, received)
}

// ConfirmCancellation records the customer's cancellation through the portal,
// received now, and sends a confirmation stating the end date.
func (s *Service) ConfirmCancellation(ctx context.Context, by accounts.Principal, subID int64, in CancelInput) (Cancellation, error) {
	sub, c, err := s.subAndContract(ctx, by, subID, accounts.SubscriptionCancel) // staff use RecordCancellation
	if err != nil {
		return Cancellation{}, err
	}
	in.Channel, in.ReceivedAt = ChannelPortal, s.now()
	return s.cancel(ctx, by, c, sub, in)
}

// RecordCancellation records a cancellation staff received by e-mail, letter, phone,
// the order channel or the portal, with the moment of receipt (cp.av.13.4). Staff
// with the support role.
func (s *Service) RecordCancellation(ctx context.Context, by accounts.Principal, subID int64, in CancelInput) (Cancellation, error) {
	sub, c, err := s.subAndContract(ctx, by, subID, accounts.CancellationRecord)
	if err != nil {
		return Cancellation{}, err
	}
	fe := accounts.FieldErrors{}
	if !slices.Contains(Channels, in.Channel) {
		fe["channel"] = i18n.T("contracts.choose_channel", strings.Join(Channels, ", "))
	}
	if in.ReceivedAt.IsZero() {
		fe["received_at"] = i18n.T("contracts.give_moment_cancellation_was")
	} else if in.ReceivedAt.After(s.clock.Now()) {
		fe["received_at"] = i18n.T("contracts.cannot_future")
	}
	if len(in.Note) > 2000 {
		fe["note"] = i18n.T("contracts.most_2000_characters")
	}
	if len(fe) > 0 {
		return Cancellation{}, fe
	}
	return s.cancel(ctx, by, c, sub, in)
}

func (s *Service) cancel(ctx context.Context, by accounts.Principal, c Contract, sub Subscription, in CancelInput) (Cancellation, error) {
	ctx = actorFor(ctx, by)
	var out Cancellation
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		p, err := s.decideCancellation(ctx, q, c, sub, in.Basis, in.BasisID, dateOf(in.ReceivedAt))
		if err != nil {
			return err
		}
		if !in.ExpectEndsOn.IsZero() && in.ExpectEndsOn != p.EndsOn {
			return accounts.FieldErrors{"expect_ends_on": i18n.T("contracts.end_date_now_s", p.EndsOn)}
		}
		out = Cancellation{CancellationPreview: p, Channel: in.Channel, ReceivedAt: store.Now(in.ReceivedAt), ByStaff: by.IsStaff()}
		err = q.QueryRowContext(ctx, `INSERT INTO cancellations (subscription_id, org_id, basis, basis_id, channel, received_at, received_on, ends_on, deadline,
			recorded_by, by_staff, note, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
			sub.ID, sub.OrgID, p.Basis, in.BasisID, in.Channel, out.ReceivedAt, p.Received, p.EndsOn, p.Deadline, by.User.ID, by.IsStaff(), in.Note,
			exJSON(p.Explanation), now).Scan(&out.ID)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"subscription": i18n.T("contracts.this_service_already_cancelled")}
		}
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `UPDATE subscriptions SET ends_on = $1, end_reason = 'cancelled', updated_at = $2 WHERE id = $3 AND ends_on IS NULL AND status <> 'ended'`,
			p.EndsOn, now, sub.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.FieldErrors{"subscription": i18n.T("contracts.this_service_already_cancelled")}
		}
		if err := record(ctx, q, now, sub.OrgID, "subscription.cancel", "subscription", sub.ID,
			fmt.Sprintf("%s cancelled (%s) via %s, received %s; ends on %s", sub.Name, p.Basis, in.Channel, p.Received, p.EndsOn)); err != nil {
			return err
		}
		return s.mail(ctx, q, now, c.OrgID, c.OrgEmail, c.Lang, "cancellation_confirmed", fmt.Sprintf("cancellation:%d", out.ID), map[string]any{
			"Name": c.OrgName, "Service": serviceName(sub), "Received": p.Received, "Channel": in.Channel, "EndsOn": p.EndsOn,
			"Explanation": p.Explanation.Plain(c.Lang),
		})
	})
	if err != nil {
		return Cancellation{}, err
	}
	if !out.EndsOn.After(s.today()) {
		if err := s.endDueSub(ctx, sub.ID); err != nil {
			s.log.Error("contracts: end after cancellation", "subscription", sub.ID, "err", err)
		}
	}
	return out, nil
}

func serviceName(sub Subscription) string {
	if sub.Domain != "" {
		return sub.Name + " " + sub.Domain
	}
	return sub.Name
}

// ---- withdrawal ----

// WithdrawalInput is a consumer's withdrawal (herroeping). Staff recording one
// received by e-mail give the channel and moment of receipt.
type WithdrawalInput struct {
	Channel    string    `json:"channel"`
	ReceivedAt time.Time `json:"received_at"`
}

// WithdrawalItem is the decision for one subscription of the contract.
type WithdrawalItem struct {
	SubscriptionID int64             `json:"subscription_id"`
	Service        string            `json:"service"`
	Allowed        bool              `json:"allowed"`
	Reason         string            `json:"reason"`
	Deduction      terms.Money       `json:"deduction"`
	Paid           terms.Money       `json:"paid"`   // paid for the service, incl. VAT
	Refund         terms.Money       `json:"refund"` // paid less the deduction
	Unpaid         terms.Money       `json:"unpaid"` // invoiced, not paid: cancelled by a credit note
	RefundBy       terms.Date        `json:"refund_by,omitzero"`
	Explanation    terms.Explanation `json:"explanation"`
}

// Withdrawal is a withdrawal decision: previewed, or recorded (ID set).
type Withdrawal struct {
	ID         int64            `json:"id,omitempty"`
	ContractID int64            `json:"contract_id"`
	Received   terms.Date       `json:"received"`
	Status     string           `json:"status"` // accepted, partial, refused
	Allowed    bool             `json:"allowed"`
	Items      []WithdrawalItem `json:"items"`
	Refund     terms.Money      `json:"refund"`
	Unpaid     terms.Money      `json:"unpaid"` // cancelled by a credit note
	RefundBy   terms.Date       `json:"refund_by,omitzero"`
	Text       string           `json:"text"`
}

// account asks the ledger what was invoiced and paid for a subscription.
func (s *Service) account(ctx context.Context, q store.Querier, subID int64) (Account, error) {
	if s.ledger == nil {
		return Account{}, nil
	}
	return s.ledger.SubscriptionAccount(ctx, q, subID)
}

// decideWithdrawal decides a withdrawal received on received. The refund of each
// service is what was actually paid for it less the deduction for the days used, and
// what was invoiced but not paid is cancelled (INTERPRETATION.md, Withdrawal; A16):
// the ledger says what was paid, never the price of the term.
func (s *Service) decideWithdrawal(ctx context.Context, q store.Querier, c Contract, received terms.Date) (Withdrawal, error) {
	pol, err := s.policy(received)
	if err != nil {
		return Withdrawal{}, err
	}
	w := Withdrawal{ContractID: c.ID, Received: received}
	var text strings.Builder
	allowed, total := 0, 0
	for _, sub := range c.Subscriptions {
		if sub.Status == SubEnded {
			continue
		}
		total++
		acc, err := s.account(ctx, q, sub.ID)
		if err != nil {
			return Withdrawal{}, err
		}
		// The deduction is on the price the consumer pays, so including VAT at the
		// rate of the service's invoices.
		tp, tpx := termPrice(pol, sub.Billing, sub.Period, sub.Price)
		tp = tp.Mul(int64(sub.Quantity))
		tp += terms.VATAmount(tp, acc.VATRate)
		res, ex, err := pol.Withdrawal(terms.WithdrawalInput{Customer: c.CustomerKind, Concluded: c.ConcludedOn, Received: received,
			Domain: sub.IsDomain(), Waived: sub.WithdrawalWaived, ServiceStarted: sub.ServiceStartedOn, Price: tp,
			Invoiced: max(acc.Invoiced, 0), Paid: min(max(acc.Paid, 0), max(acc.Invoiced, 0))})
		if err != nil {
			return Withdrawal{}, termsErr(err, "received_at")
		}
		if res.Deduction > 0 {
			// The deduction is a part of the term's price: say how that price follows.
			ex = append(tpx, ex...)
		}
		it := WithdrawalItem{SubscriptionID: sub.ID, Service: serviceName(sub), Allowed: res.Allowed, Reason: res.Reason,
			Deduction: res.Deduction, Paid: res.Paid, Refund: res.Refund, Unpaid: res.Unpaid, RefundBy: res.RefundBy, Explanation: ex}
		if res.Allowed {
			allowed++
			w.Refund += res.Refund
			w.Unpaid += res.Unpaid
			w.RefundBy = terms.MaxDate(w.RefundBy, res.RefundBy)
		} else {
			it.Paid, it.Refund, it.Unpaid = 0, 0, 0
		}
		fmt.Fprintf(&text, "%s:\n%s", it.Service, ex.Text())
		w.Items = append(w.Items, it)
	}
	switch {
	case total == 0:
		return Withdrawal{}, accounts.FieldErrors{"contract": i18n.T("contracts.nothing_under_this_contract")}
	case allowed == total:
		w.Status = "accepted"
	case allowed > 0:
		w.Status = "partial"
	default:
		w.Status = "refused"
	}
	w.Allowed, w.Text = allowed > 0, text.String()
	return w, nil
}

// contractFor loads a contract of this pack when by may do one of acts for its
// organisation.
func (s *Service) contractFor(ctx context.Context, by accounts.Principal, id int64, acts ...accounts.Action) (Contract, error) {
	c, err := getContract(ctx, s.db, id)
	if err != nil {
		return Contract{}, err
	}
	if c.Pack != s.pack.Name {
		return Contract{}, accounts.ErrNotFound
	}
	if err := by.CheckAny(accounts.OrgID(c.OrgID), acts...); err != nil {
		return Contract{}, err
	}
	return c, nil
}

// PreviewWithdrawal shows whether a withdrawal received now (or, for staff, at
// in.ReceivedAt) is valid and what is refunded (cp.av.13.9, cp.withdrawal.*).
func (s *Service) PreviewWithdrawal(ctx context.Context, by accounts.Principal, contractID int64, in WithdrawalInput) (Withdrawal, error) {
	c, err := s.contractFor(ctx, by, contractID, accounts.ContractWithdraw, accounts.WithdrawalRecord)
	if err != nil {
		return Withdrawal{}, err
	}
	received := s.today()
	if by.Can(accounts.WithdrawalRecord, accounts.OrgID(c.OrgID)) && !in.ReceivedAt.IsZero() {
		received = dateOf(in.ReceivedAt)
	}
	return s.decideWithdrawal(ctx, s.db, c, received)
}

// ConfirmWithdrawal records the consumer's withdrawal through the portal button (EU
// 2023/2673 art. 11a). A valid withdrawal ends the withdrawn services at once, records
// the refund due for billing and confirms by e-mail (a durable medium); a refused one
// is recorded with its reasons and confirmed too.
func (s *Service) ConfirmWithdrawal(ctx context.Context, by accounts.Principal, contractID int64) (Withdrawal, error) {
	c, err := s.contractFor(ctx, by, contractID, accounts.ContractWithdraw)
	if err != nil {
		return Withdrawal{}, err
	}
	return s.withdraw(ctx, by, c, WithdrawalInput{Channel: ChannelPortal, ReceivedAt: s.now()})
}

// RecordWithdrawal records a withdrawal staff received (by e-mail,
// cp.withdrawal.right.2). Staff with the support role.
func (s *Service) RecordWithdrawal(ctx context.Context, by accounts.Principal, contractID int64, in WithdrawalInput) (Withdrawal, error) {
	c, err := s.contractFor(ctx, by, contractID, accounts.WithdrawalRecord)
	if err != nil {
		return Withdrawal{}, err
	}
	fe := accounts.FieldErrors{}
	if !slices.Contains(Channels, in.Channel) {
		fe["channel"] = i18n.T("contracts.choose_channel", strings.Join(Channels, ", "))
	}
	if in.ReceivedAt.IsZero() {
		fe["received_at"] = i18n.T("contracts.give_moment_withdrawal_was")
	} else if in.ReceivedAt.After(s.clock.Now()) {
		fe["received_at"] = i18n.T("contracts.cannot_future")
	}
	if len(fe) > 0 {
		return Withdrawal{}, fe
	}
	return s.withdraw(ctx, by, c, in)
}

func (s *Service) withdraw(ctx context.Context, by accounts.Principal, c Contract, in WithdrawalInput) (Withdrawal, error) {
	received := dateOf(in.ReceivedAt)
	ctx = actorFor(ctx, by)
	var w Withdrawal
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		if w, err = s.decideWithdrawal(ctx, q, c, received); err != nil {
			return err
		}
		now := s.now()
		var accepted any
		if w.Allowed {
			accepted = c.ID
		}
		err = q.QueryRowContext(ctx, `INSERT INTO withdrawals (contract_id, org_id, accepted_contract_id, status, channel, received_at, received_on,
			refund, refund_by, recorded_by, by_staff, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
			c.ID, c.OrgID, accepted, w.Status, in.Channel, store.Now(in.ReceivedAt), received, w.Refund, nullDate(w.RefundBy), by.User.ID, by.IsStaff(),
			jsonItems(w.Items), now).Scan(&w.ID)
		if store.IsUniqueViolation(err) {
			return accounts.FieldErrors{"contract": i18n.T("contracts.withdrawal_from_this_contract")}
		}
		if err != nil {
			return err
		}
		for _, it := range w.Items {
			if _, err := q.ExecContext(ctx, `INSERT INTO withdrawal_items (withdrawal_id, subscription_id, allowed, reason, deduction, refund, explanation)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, w.ID, it.SubscriptionID, it.Allowed, it.Reason, it.Deduction, it.Refund, exJSON(it.Explanation)); err != nil {
				return err
			}
			if it.Allowed {
				if _, err := q.ExecContext(ctx, `UPDATE subscriptions SET ends_on = $1, end_reason = 'withdrawal', updated_at = $2 WHERE id = $3 AND status <> 'ended'`,
					received, now, it.SubscriptionID); err != nil {
					return err
				}
			}
		}
		// Billing settles every accepted withdrawal: a credit note cancels what was
		// invoiced and not paid, and refunds what was paid less the deduction. The row
		// carries the refund promised here; nothing paid is a row of 0.00.
		if w.Allowed {
			if _, err := q.ExecContext(ctx, `INSERT INTO refund_due (org_id, contract_id, source, source_id, amount, due_by, explanation, created_at)
				VALUES ($1, $2, 'withdrawal', $3, $4, $5, $6, $7)`, c.OrgID, c.ID, w.ID, w.Refund, w.RefundBy, jsonItems(w.Items), now); err != nil {
				return err
			}
		}
		if err := record(ctx, q, now, c.OrgID, "contract.withdrawal", "withdrawal", w.ID,
			fmt.Sprintf("withdrawal from contract %d received %s via %s: %s; refund %s due by %s; unpaid %s cancelled", c.ID, received, in.Channel,
				w.Status, w.Refund, dateText(w.RefundBy), w.Unpaid)); err != nil {
			return err
		}
		type item struct {
			Service, Reason, Paid, Deduction, Refund, Unpaid string
			Allowed, Nothing                                 bool
		}
		var items []item
		for _, it := range w.Items {
			items = append(items, item{Service: it.Service, Reason: it.Reason, Paid: it.Paid.In(c.Lang), Deduction: it.Deduction.In(c.Lang),
				Refund: it.Refund.In(c.Lang), Unpaid: amountIn(it.Unpaid, c.Lang), Allowed: it.Allowed, Nothing: it.Refund == 0})
		}
		// Items are a struct, which notify.Render does not localise: amounts and dates
		// are written in the customer's language here.
		return s.mail(ctx, q, now, c.OrgID, c.OrgEmail, c.Lang, "withdrawal_confirmed", fmt.Sprintf("withdrawal:%d", w.ID), map[string]any{
			"Name": c.OrgName, "ContractID": c.ID, "Received": received, "Items": items, "Allowed": w.Allowed,
			"Refund": amountIn(w.Refund, c.Lang), "Unpaid": amountIn(w.Unpaid, c.Lang), "RefundBy": mailDate(w.RefundBy), "Explanation": withdrawalText(w, c.Lang),
		})
	})
	if err != nil {
		return Withdrawal{}, err
	}
	for _, it := range w.Items {
		if it.Allowed {
			if err := s.endDueSub(ctx, it.SubscriptionID); err != nil {
				s.log.Error("contracts: end after withdrawal", "subscription", it.SubscriptionID, "err", err)
			}
		}
	}
	return w, nil
}

// withdrawalText is the explanation of every item of a withdrawal in the customer's
// language, for the confirmation mail.
func withdrawalText(w Withdrawal, lang string) string {
	var b strings.Builder
	for _, it := range w.Items {
		fmt.Fprintf(&b, "%s:\n%s", it.Service, it.Explanation.Plain(lang))
	}
	return b.String()
}

// amountIn is a positive amount in lang, or "" (a template tests it for presence).
func amountIn(m terms.Money, lang string) string {
	if m <= 0 {
		return ""
	}
	return m.In(lang)
}

func jsonItems(items []WithdrawalItem) string {
	var ex terms.Explanation
	for _, it := range items {
		ex = append(ex, it.Explanation...)
	}
	return exJSON(ex)
}
