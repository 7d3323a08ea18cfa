package accounts

import (
	"context"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/store"
)

// A reseller's admin user may act for one of its customers (cp.av.7.1: the reseller
// makes the provider's services available to its own customers, and cp.av.7.7 makes it
// answer for them). While it does, its principal carries both organisations: Org is the
// customer, whose pages the portal then shows, and Reseller its own. Check grants only
// the reseller's rights (the table's `reseller: true`), on that customer only, and every
// audit entry names the reseller's user with the customer beside it
// (audit.Actor.OnBehalfOf). The mode lives in the session row, so it ends with the
// session and is checked again on every request.

// ActingPrincipal returns by acting for customer orgID without changing the session:
// the reseller's pages use it to show a customer's contracts and invoices through the
// same service checks. A customer that is not by's gives ErrNotFound.
func (s *Service) ActingPrincipal(ctx context.Context, by Principal, orgID int64) (Principal, error) {
	by = by.Real()
	if err := by.ready(); err != nil {
		return Principal{}, err
	}
	org, err := getOrg(ctx, s.db, orgID)
	if err != nil {
		return Principal{}, err
	}
	if err := by.Check(CustomerRead, org.Ref()); err != nil {
		return Principal{}, err
	}
	if by.relationTo(org.Ref()) != relReseller {
		// Staff and the customer's own users have their own ways in; acting is for
		// resellers, and to a customer's user its reseller's pages do not exist.
		if by.IsStaff() {
			return Principal{}, ErrForbidden
		}
		return Principal{}, ErrNotFound
	}
	ap := by
	ap.Org, ap.Reseller = &org, by.Org
	if err := ap.ready(); err != nil {
		return Principal{}, err
	}
	return ap, nil
}

// StartActing puts by's session into "act for" mode for customer orgID and returns the
// acting principal. Only a signed-in person may: an API token acts for its own
// organisation only.
func (s *Service) StartActing(ctx context.Context, by Principal, orgID int64) (Principal, error) {
	if by.Session == nil || by.Token != nil {
		return Principal{}, ErrForbidden
	}
	ap, err := s.ActingPrincipal(ctx, by, orgID)
	if err != nil {
		return Principal{}, err
	}
	err = s.tx(ctx, ap, func(ctx context.Context, q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE sessions SET acting_org_id = $1 WHERE id = $2`, orgID, by.Session.ID); err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "reseller.act_start", "organisation", orgID,
			fmt.Sprintf("%s started acting for %q on behalf of reseller %q", by.User.Email, ap.Org.LegalName, ap.Reseller.LegalName))
	})
	if err != nil {
		return Principal{}, err
	}
	ap.Session.ActingFor = orgID
	return ap, nil
}

// StopActing ends the "act for" mode of by's session; without it, it does nothing.
func (s *Service) StopActing(ctx context.Context, by Principal) (Principal, error) {
	if !by.Acting() || by.Session == nil {
		return by, nil
	}
	org := *by.Org
	err := s.tx(ctx, by, func(ctx context.Context, q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE sessions SET acting_org_id = 0 WHERE id = $1`, by.Session.ID); err != nil {
			return err
		}
		return record(ctx, q, s.now(), org.ID, "reseller.act_stop", "organisation", org.ID,
			fmt.Sprintf("%s stopped acting for %q", by.User.Email, org.LegalName))
	})
	if err != nil {
		return by, err
	}
	real := by.Real()
	real.Session.ActingFor = 0
	return real, nil
}

// resumeActing turns an authenticated session that was acting for a customer back into
// the acting principal, after checking again that the customer is still the reseller's
// and both are enabled. When that no longer holds the session quietly stops acting: the
// user is back in its own organisation, which it may still reach.
func (s *Service) resumeActing(ctx context.Context, p Principal) (Principal, error) {
	if p.Session.MFAPending || p.Session.MFAEnrolRequired {
		return p, nil
	}
	ap, err := s.ActingPrincipal(ctx, p, p.Session.ActingFor)
	if err == nil {
		return ap, nil
	}
	if !errors.Is(err, ErrNotFound) && !errors.Is(err, ErrForbidden) {
		return Principal{}, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE sessions SET acting_org_id = 0 WHERE id = $1`, p.Session.ID); err != nil {
		return Principal{}, err
	}
	p.Session.ActingFor = 0
	return p, nil
}
