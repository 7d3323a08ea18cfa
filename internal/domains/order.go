package domains

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

var (
	_ contracts.Provisioner = (*Service)(nil)
	_ contracts.DomainNames = (*Service)(nil)
)

// tldOf is the extension a registry connection serves: the last label, or the last
// two for a second-level one we have a connection for ("co.uk").
func tldOf(name string) string {
	name = strings.ToLower(strings.TrimSuffix(name, "."))
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return name
}

// Availability tells a visitor whether a name is free at its registry (the order
// form shows it before the order, cp.av.6.2: the registry decides, we only ask). No
// principal: whether a name is free is public at every registry.
func (s *Service) Availability(ctx context.Context, name string) (registry.Availability, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if !validName(name) {
		return registry.Availability{}, accounts.FieldErrors{"domain": i18n.T("domains.name_invalid")}
	}
	reg, err := s.registryFor(ctx, tldOf(name))
	if err != nil {
		return registry.Availability{}, err
	}
	defer reg.Close()
	got, err := reg.Check(ctx, name)
	if err != nil {
		return registry.Availability{}, err
	}
	if len(got) != 1 {
		return registry.Availability{}, fmt.Errorf("domains: the registry answered %d names for one", len(got))
	}
	return got[0], nil
}

func validName(name string) bool {
	if len(name) < 3 || len(name) > 253 || !strings.Contains(name, ".") {
		return false
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// OrderableDomain implements contracts.DomainNames: an order of a domain plan for a
// name the registry holds for someone else is refused at the order, unless the
// customer asked to transfer it in with its code first. An extension without a
// registry connection is accepted (staff register it by hand); a registry that cannot
// be reached refuses the order for now rather than taking one for a taken name.
func (s *Service) OrderableDomain(ctx context.Context, orgID int64, name string) error {
	a, err := s.Availability(ctx, name)
	if errors.Is(err, ErrNoRegistry) {
		return nil
	}
	var fe accounts.FieldErrors
	if errors.As(err, &fe) {
		return fe
	}
	if err != nil {
		s.log.Warn("domains: availability at order", "name", name, "err", err)
		return accounts.FieldErrors{"domain": i18n.T("domains.registry_unreachable_order")}
	}
	if a.Available {
		return nil
	}
	// A transfer the customer asked for, or a name the customer already holds here (an
	// order sent again with its idempotency key passes its check again), is not refused.
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM domain_transfer_requests WHERE org_id = $1 AND name = $2 AND used_at IS NULL)
		+ (SELECT COUNT(*) FROM domains WHERE org_id = $1 AND name = $2 AND ended_at IS NULL)`,
		orgID, strings.ToLower(name)).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	return accounts.FieldErrors{"domain": i18n.T("domains.name_taken_s", strings.ToLower(name))}
}

// RequestTransfer records that the customer wants to transfer name in with its auth
// code; the order of the domain plan that follows transfers instead of registering
// (cp.av.6.6). Asking again replaces the code.
func (s *Service) RequestTransfer(ctx context.Context, by accounts.Principal, orgID int64, name, authCode string) error {
	if err := by.Check(accounts.OrderPlace, accounts.OrgID(orgID)); err != nil {
		return err
	}
	name = strings.ToLower(strings.TrimSpace(name))
	authCode = strings.TrimSpace(authCode)
	fe := accounts.FieldErrors{}
	if !validName(name) {
		fe["domain"] = i18n.T("domains.name_invalid")
	}
	if authCode == "" || len(authCode) > 64 {
		fe["auth_code"] = i18n.T("domains.auth_code_needed")
	}
	if len(fe) > 0 {
		return fe
	}
	sealed, err := s.keys.SealString(secrets.PurposeCredential, requestBinding(orgID, name), authCode)
	if err != nil {
		return err
	}
	ctx = accounts.ActorContext(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `INSERT INTO domain_transfer_requests (org_id, name, auth_code, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id, name) DO UPDATE SET auth_code = excluded.auth_code, created_at = excluded.created_at, used_at = NULL`,
			orgID, name, string(sealed), now); err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "domain.transfer_requested", 0, name+": transfer in requested with an auth code")
	})
}

func requestBinding(orgID int64, name string) string {
	return fmt.Sprintf("domain-transfer:%d:%s", orgID, name)
}
func opBinding(opID int64) string        { return fmt.Sprintf("domain-op:%d", opID) }
func tokenBinding(domainID int64) string { return fmt.Sprintf("domain-token:%d", domainID) }

// Provision implements contracts.Provisioner for domain plans: it records the domain,
// the basis on which the registrant's data go to the registry (cp.privacy.domains.1:
// the contract), and queues its registration, or its transfer in when the customer
// gave a code. Other kinds are not ours. Calling it again does nothing.
func (s *Service) Provision(ctx context.Context, sub contracts.Subscription) error {
	if !sub.IsDomain() || sub.Domain == "" {
		return nil
	}
	name := strings.ToLower(sub.Domain)
	sharing := ""
	if s.pack != nil {
		if pol, err := s.pack.At(s.today()); err == nil {
			sharing = strings.Join(pol.Terms.Domains.DataSharing, ", ")
		}
	}
	ctx = jobCtx(ctx, "domains.provision")
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var reqID int64
		var sealed string
		err := q.QueryRowContext(ctx, `SELECT id, auth_code FROM domain_transfer_requests WHERE org_id = $1 AND name = $2 AND used_at IS NULL`,
			sub.OrgID, name).Scan(&reqID, &sealed)
		if err != nil && !isNoRows(err) {
			return err
		}
		mode, state, op := ModeRegister, StatePending, OpRegister
		if reqID != 0 {
			mode, state, op = ModeTransfer, StatePendingTransfer, OpTransferIn
		}
		var id int64
		err = q.QueryRowContext(ctx, `INSERT INTO domains (subscription_id, contract_id, org_id, name, tld, mode, state, term_no, consent_basis,
			consent_clauses, consent_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $11)
			ON CONFLICT (subscription_id) DO NOTHING RETURNING id`,
			sub.ID, sub.ContractID, sub.OrgID, name, tldOf(name), mode, state, max(sub.TermNo, 1), fmt.Sprintf("contract %d", sub.ContractID),
			sharing, now).Scan(&id)
		if isNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		var code string
		if reqID != 0 {
			if code, err = s.keys.OpenString(secrets.PurposeCredential, requestBinding(sub.OrgID, name), secrets.Sealed(sealed)); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `UPDATE domain_transfer_requests SET used_at = $1 WHERE id = $2`, now, reqID); err != nil {
				return err
			}
		}
		if _, err := s.queueRaw(ctx, q, now, id, sub.OrgID, op, fmt.Sprintf("%s:%d", op, id), "{}", code, ""); err != nil {
			return err
		}
		return record(ctx, q, now, sub.OrgID, "domain.new", id, fmt.Sprintf("%s to be %sed; registrant data shared with the registry on the basis of contract %d (%s)",
			name, map[string]string{ModeRegister: "register", ModeTransfer: "transferr"}[mode], sub.ContractID, sharing))
	})
}

// Deprovision implements contracts.Provisioner: the subscription ended. The registry
// deletes the name on the scheduled date (queued when the end date was set); here the
// domain leaves the product and its DNS zone goes.
func (s *Service) Deprovision(ctx context.Context, sub contracts.Subscription) error {
	if !sub.IsDomain() {
		return nil
	}
	d, err := getDomain(ctx, s.db, `WHERE subscription_id = $1`, sub.ID)
	if errors.Is(err, accounts.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if d.EndedAt == nil {
		ctx = jobCtx(ctx, "domains.deprovision")
		err := s.db.InTx(ctx, func(q store.Querier) error {
			now := s.now()
			r, err := q.ExecContext(ctx, `UPDATE domains SET ended_at = $1, updated_at = $1 WHERE id = $2 AND ended_at IS NULL`, now, d.ID)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n == 0 {
				return nil
			}
			return record(ctx, q, now, d.OrgID, "domain.ended", d.ID, d.Name+": the subscription ended; the registry deletes the name as scheduled")
		})
		if err != nil {
			return err
		}
	}
	if s.zones != nil {
		return s.zones.DomainGone(ctx, d.OrgID, d.Name)
	}
	return nil
}

// queueRaw adds an operation unless one with the key exists; it returns the id (0
// when it existed). A transfer's code is sealed to the operation.
func (s *Service) queueRaw(ctx context.Context, q store.Querier, t time.Time, domainID, orgID int64, op Op, key, aj, authCode, by string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO domain_operations (domain_id, org_id, op, idem_key, args, state, not_before, requested_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'queued', $6, $7, $6, $6) ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
		domainID, orgID, string(op), key, aj, t, by).Scan(&id)
	if isNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if authCode != "" {
		sealed, err := s.keys.SealString(secrets.PurposeCredential, opBinding(id), authCode)
		if err != nil {
			return 0, err
		}
		if _, err := q.ExecContext(ctx, `UPDATE domain_operations SET auth_code = $1 WHERE id = $2`, string(sealed), id); err != nil {
			return 0, err
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE domains SET updated_at = $1 WHERE id = $2`, t, domainID); err != nil {
		return 0, err
	}
	return id, nil
}
