package contracts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// ---- suspension and termination for default (cp.av.3.8, cp.av.13.10, fo.av.16.5.2, fo.av.20.4) ----
//
// An organisation's running services are suspended while it has at least one active
// hold: a reason, named by a ref such as "invoice:123" (dunning) or "staff". Holds are
// independent, so paying one invoice lifts its hold but leaves the services suspended
// while another invoice still holds them. Suspension does not change a subscription's
// status: it keeps renewing and being billed (fo.av.20.5) and still ends on its date.
//
// Suspend, Unsuspend and TerminateForDefault run inside the caller's transaction (the
// dunning step that decides them), record the explanation and an audit entry there, and
// leave the provisioning hook to SyncSuspensions, which the caller runs after commit and
// which retries a hook that failed.

// ServiceSuspender is implemented by a Provisioner that can take a running service out
// of use without removing it, and put it back. A Provisioner that does not implement it
// leaves suspension to the records (the portal and the staff app show it).
type ServiceSuspender interface {
	Suspend(ctx context.Context, sub Subscription) error
	Resume(ctx context.Context, sub Subscription) error
}

// SuspensionHold is one reason an organisation's services are suspended.
type SuspensionHold struct {
	ID          int64             `json:"id"`
	OrgID       int64             `json:"org_id"`
	Ref         string            `json:"ref"`
	Reason      string            `json:"reason"`
	Explanation terms.Explanation `json:"explanation"`
	SuspendedAt time.Time         `json:"suspended_at"`
	LiftedAt    *time.Time        `json:"lifted_at,omitempty"`
}

// RefStaff is the hold staff place by hand.
const RefStaff = "staff"

// EndReasonDefault marks a subscription terminated because the customer is in default.
const EndReasonDefault = "default"

func validRef(ref string) error {
	if ref == "" || len(ref) > 200 || strings.ContainsAny(ref, "\r\n") {
		return fmt.Errorf("contracts: suspension ref %q must be one line of 1 to 200 characters", ref)
	}
	return nil
}

// Suspend places the hold ref on the organisation inside q and takes its active
// subscriptions out of use. It returns the number of subscriptions newly suspended.
// Placing a hold that is already active does nothing.
func (s *Service) Suspend(ctx context.Context, q store.Querier, orgID int64, ref string, ex terms.Explanation) (int, error) {
	if err := validRef(ref); err != nil {
		return 0, err
	}
	ctx = jobCtx(ctx, "contracts.suspend")
	now := s.now()
	reason := strings.Join(ex.Clauses(), ", ")
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO suspension_holds (pack, org_id, ref, reason, explanation, suspended_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (pack, org_id, ref) DO UPDATE SET lifted_at = NULL, reason = excluded.reason, explanation = excluded.explanation, suspended_at = excluded.suspended_at
		WHERE suspension_holds.lifted_at IS NOT NULL RETURNING id`, s.pack.Name, orgID, ref, reason, exJSON(ex), now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	r, err := q.ExecContext(ctx, `UPDATE subscriptions SET suspended_at = $1, suspension_seq = suspension_seq + 1, updated_at = $1
		WHERE org_id = $2 AND pack = $3 AND status = 'active' AND suspended_at IS NULL`, now, orgID, s.pack.Name)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, err
	}
	summary := fmt.Sprintf("services suspended (%s): %d subscription(s) taken out of use", ref, n)
	if reason != "" {
		summary += " (" + reason + ")"
	}
	return int(n), record(ctx, q, now, orgID, "subscription.suspend", "organisation", orgID, summary)
}

// Unsuspend lifts the hold ref inside q. When no other hold remains, the
// organisation's suspended subscriptions are put back in use; it returns how many.
// Lifting a hold that is not active does nothing.
func (s *Service) Unsuspend(ctx context.Context, q store.Querier, orgID int64, ref string) (int, error) {
	if err := validRef(ref); err != nil {
		return 0, err
	}
	ctx = jobCtx(ctx, "contracts.unsuspend")
	now := s.now()
	r, err := q.ExecContext(ctx, `UPDATE suspension_holds SET lifted_at = $1 WHERE pack = $2 AND org_id = $3 AND ref = $4 AND lifted_at IS NULL`,
		now, s.pack.Name, orgID, ref)
	if err != nil {
		return 0, err
	}
	if c, err := r.RowsAffected(); err != nil {
		return 0, err
	} else if c == 0 {
		return 0, nil
	}
	var others int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM suspension_holds WHERE pack = $1 AND org_id = $2 AND lifted_at IS NULL`,
		s.pack.Name, orgID).Scan(&others); err != nil {
		return 0, err
	}
	if others > 0 {
		return 0, record(ctx, q, now, orgID, "subscription.suspension_hold_lift", "organisation", orgID,
			fmt.Sprintf("suspension hold %s lifted; services stay suspended for %d other reason(s)", ref, others))
	}
	r, err = q.ExecContext(ctx, `UPDATE subscriptions SET suspended_at = NULL, suspension_seq = suspension_seq + 1, updated_at = $1
		WHERE org_id = $2 AND pack = $3 AND suspended_at IS NOT NULL AND status <> 'ended'`, now, orgID, s.pack.Name)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, err
	}
	return int(n), record(ctx, q, now, orgID, "subscription.unsuspend", "organisation", orgID,
		fmt.Sprintf("suspension %s lifted: %d subscription(s) back in use", ref, n))
}

// TerminateForDefault ends every agreement of the organisation that still runs on
// endsOn (cp.av.13.10, fo.av.20.4), once per ref, inside q: each running subscription
// gets endsOn as its end date with reason "default" (an earlier end date is kept), and
// EndDue or SyncSuspensions ends and deprovisions it on that day, scheduling its data
// deletion. It returns the number of subscriptions given the end date.
func (s *Service) TerminateForDefault(ctx context.Context, q store.Querier, orgID int64, ref string, endsOn terms.Date, ex terms.Explanation) (int, error) {
	if err := validRef(ref); err != nil {
		return 0, err
	}
	if endsOn.IsZero() {
		return 0, errors.New("contracts: termination for default needs an end date")
	}
	ctx = jobCtx(ctx, "contracts.terminate")
	now := s.now()
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO default_terminations (pack, org_id, ref, ends_on, subscriptions, explanation, created_at)
		VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (pack, org_id, ref) DO NOTHING RETURNING id`,
		s.pack.Name, orgID, ref, endsOn, exJSON(ex), now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	r, err := q.ExecContext(ctx, `UPDATE subscriptions SET ends_on = $1, end_reason = $2, updated_at = $3
		WHERE org_id = $4 AND pack = $5 AND status <> 'ended' AND (ends_on IS NULL OR ends_on > $1)`,
		endsOn, EndReasonDefault, now, orgID, s.pack.Name)
	if err != nil {
		return 0, err
	}
	n, err := r.RowsAffected()
	if err != nil {
		return 0, err
	}
	if _, err := q.ExecContext(ctx, `UPDATE default_terminations SET subscriptions = $1 WHERE id = $2`, n, id); err != nil {
		return 0, err
	}
	summary := fmt.Sprintf("agreements terminated for default (%s) as of %s: %d subscription(s) end", ref, endsOn, n)
	if c := ex.Clauses(); len(c) > 0 {
		summary += " (" + strings.Join(c, ", ") + ")"
	}
	return int(n), record(ctx, q, now, orgID, "contract.terminate_default", "organisation", orgID, summary)
}

// SyncSuspensions carries out the suspension changes the provisioning hook has not yet
// made (a ServiceSuspender's Suspend or Resume, after the change committed), and ends
// subscriptions terminated for default whose end date has come. Running it twice, or
// on two instances, calls the hook for a change at most once per run that sees it and
// marks it done only if the state did not change meanwhile.
func (s *Service) SyncSuspensions(ctx context.Context) error {
	ctx = jobCtx(ctx, "contracts.suspension")
	rows, err := s.db.QueryContext(ctx, `SELECT id, suspension_seq, suspended_at IS NOT NULL FROM subscriptions
		WHERE pack = $1 AND suspension_seq <> suspension_synced ORDER BY id`, s.pack.Name)
	if err != nil {
		return err
	}
	type change struct {
		id        int64
		seq       int
		suspended bool
	}
	var changes []change
	for rows.Next() {
		var c change
		if err := rows.Scan(&c.id, &c.seq, &c.suspended); err != nil {
			rows.Close()
			return err
		}
		changes = append(changes, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var errs []error
	hook, _ := s.prov.(ServiceSuspender)
	for _, c := range changes {
		sub, err := getSub(ctx, s.db, c.id)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if hook != nil && sub.Status == SubActive {
			if c.suspended {
				err = hook.Suspend(ctx, sub)
			} else {
				err = hook.Resume(ctx, sub)
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("contracts: suspension hook for subscription %d: %w", sub.ID, err))
				continue
			}
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE subscriptions SET suspension_synced = $1 WHERE id = $2 AND suspension_seq = $1`, c.seq, c.id); err != nil {
			errs = append(errs, err)
		}
	}
	subs, err := listSubs(ctx, s.db, `WHERE pack = $1 AND end_reason = $2 AND status IN ('pending', 'active') AND ends_on IS NOT NULL AND ends_on <= $3 ORDER BY id`,
		s.pack.Name, EndReasonDefault, s.today())
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, sub := range subs {
		if _, err := s.endOne(jobCtx(ctx, "contracts.end"), sub); err != nil {
			errs = append(errs, fmt.Errorf("contracts: end subscription %d: %w", sub.ID, err))
		}
	}
	return errors.Join(errs...)
}

// IsSuspended reports whether a subscription is suspended.
func (s *Service) IsSuspended(ctx context.Context, subID int64) (bool, error) {
	var at sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT suspended_at FROM subscriptions WHERE id = $1`, subID).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return false, accounts.ErrNotFound
	}
	return at.Valid, err
}

// SuspensionHolds lists an organisation's suspension holds, newest first, lifted ones
// included, as the principal may see them.
func (s *Service) SuspensionHolds(ctx context.Context, by accounts.Principal, orgID int64) ([]SuspensionHold, error) {
	if err := by.Check(accounts.ContractRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, org_id, ref, reason, explanation, suspended_at, lifted_at FROM suspension_holds
		WHERE pack = $1 AND org_id = $2 ORDER BY id DESC`, s.pack.Name, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SuspensionHold
	for rows.Next() {
		var h SuspensionHold
		var ex string
		var lifted sql.NullTime
		if err := rows.Scan(&h.ID, &h.OrgID, &h.Ref, &h.Reason, &ex, &h.SuspendedAt, &lifted); err != nil {
			return nil, err
		}
		var err error
		if h.Explanation, err = parseEx(fmt.Sprintf("suspension hold %d", h.ID), ex); err != nil {
			return nil, err
		}
		h.SuspendedAt = h.SuspendedAt.UTC()
		if lifted.Valid {
			t := lifted.Time.UTC()
			h.LiftedAt = &t
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// staffSuspendClauses are the clauses on which staff suspend by hand: those the pack
// leaves to staff (not_automated) for unmet obligations (cp.av.3.8, fo.av.3.8).
func (s *Service) staffSuspendClauses() []string {
	var out []string
	for _, na := range s.pack.NotAutomated {
		if strings.HasSuffix(na.Clause, ".av.3.8") {
			out = append(out, na.Clause)
		}
	}
	return out
}

// SuspendOrganisation suspends an organisation's services by hand, for the reason
// staff give (cp.av.3.8, fo.av.3.8: a staff decision). Staff with the billing role.
func (s *Service) SuspendOrganisation(ctx context.Context, by accounts.Principal, orgID int64, reason string) (int, error) {
	if err := by.Check(accounts.SuspensionManage, accounts.OrgID(orgID)); err != nil {
		return 0, err
	}
	if l := len(strings.TrimSpace(reason)); l == 0 || l > 2000 {
		return 0, accounts.FieldErrors{"reason": i18n.T("contracts.give_reason_suspension_most")}
	}
	if _, err := s.customer(ctx, by, orgID); err != nil {
		return 0, err
	}
	ex := terms.Explanation{{Clause: joinClauses(s.staffSuspendClauses()),
		Says:   "The provider may take services out of use while the customer fails to meet an obligation; staff decided to do so.",
		Inputs: []terms.Input{{Name: "reason", Value: reason}, {Name: "by", Value: by.User.Email}}, Value: "suspended", Key: "contract.staff_suspended"}}
	ctx = actorFor(ctx, by)
	var n int
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		n, err = s.Suspend(ctx, q, orgID, RefStaff, ex)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, s.SyncSuspensions(ctx)
}

// LiftStaffSuspension lifts the suspension staff placed by hand; holds placed by
// dunning stay. Staff with the billing role.
func (s *Service) LiftStaffSuspension(ctx context.Context, by accounts.Principal, orgID int64) (int, error) {
	if err := by.Check(accounts.SuspensionManage, accounts.OrgID(orgID)); err != nil {
		return 0, err
	}
	ctx = actorFor(ctx, by)
	var n int
	err := s.db.InTx(ctx, func(q store.Querier) error {
		var err error
		n, err = s.Unsuspend(ctx, q, orgID, RefStaff)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, s.SyncSuspensions(ctx)
}
