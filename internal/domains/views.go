package domains

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// Filter narrows a list of domains.
type Filter struct {
	OrgID  int64  // 0: every organisation (staff)
	State  string // "" any
	Search string // part of the name
}

// List returns up to limit domains with an id below before (0: from the newest), newest
// first, and whether there are more (keyset pagination).
func (s *Service) List(ctx context.Context, by accounts.Principal, f Filter, before int64, limit int) ([]Domain, bool, error) {
	scope := accounts.Provider
	if f.OrgID != 0 {
		scope = accounts.OrgID(f.OrgID)
	}
	if err := by.Check(accounts.DomainRead, scope); err != nil {
		return nil, false, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	where := []string{"1 = 1"}
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.OrgID != 0 {
		where = append(where, "org_id = "+arg(f.OrgID))
	}
	if f.State != "" {
		where = append(where, "state = "+arg(f.State))
	}
	if q := strings.ToLower(strings.TrimSpace(f.Search)); q != "" {
		// A prefix search uses the name index; the rest of the name matches too.
		where = append(where, "name LIKE "+arg(q+"%"))
	}
	if before > 0 {
		where = append(where, "id < "+arg(before))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+domainCols+` FROM domains WHERE `+strings.Join(where, " AND ")+
		fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit+1), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []Domain
	for rows.Next() {
		d, err := scanDomain(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, d)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, rows.Err()
}

// Detail is a domain with its steps, open differences and registry messages.
type Detail struct {
	Domain     Domain        `json:"domain"`
	Operations []Operation   `json:"operations"`
	Reports    []SyncReport  `json:"reports"`
	Messages   []PollMessage `json:"messages"`
}

// Get returns a domain as by may see it; another organisation's id is not found.
func (s *Service) Get(ctx context.Context, by accounts.Principal, id int64) (Detail, error) {
	d, err := getDomain(ctx, s.db, `WHERE id = $1`, id)
	if err != nil {
		return Detail{}, err
	}
	if err := by.Check(accounts.DomainRead, accounts.OrgID(d.OrgID)); err != nil {
		return Detail{}, notFound(err)
	}
	out := Detail{Domain: d}
	if out.Operations, err = listOps(ctx, s.db, `WHERE domain_id = $1 ORDER BY id DESC LIMIT 50`, id); err != nil {
		return Detail{}, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, domain_id, field, ours, theirs, found_at, resolved_at FROM domain_sync_reports
		WHERE domain_id = $1 ORDER BY id DESC LIMIT 50`, id)
	if err != nil {
		return Detail{}, err
	}
	for rows.Next() {
		var r SyncReport
		var res sql.NullTime
		if err := rows.Scan(&r.ID, &r.DomainID, &r.Field, &r.Ours, &r.Theirs, &r.FoundAt, &res); err != nil {
			rows.Close()
			return Detail{}, err
		}
		r.ResolvedAt = tp(res)
		out.Reports = append(out.Reports, r)
	}
	rows.Close()
	if by.IsStaff() {
		rows, err = s.db.QueryContext(ctx, `SELECT id, tld, msg_id, kind, domain, text, received_at FROM domain_poll_messages WHERE domain = $1 ORDER BY id DESC LIMIT 50`, d.Name)
		if err != nil {
			return Detail{}, err
		}
		for rows.Next() {
			var m PollMessage
			if err := rows.Scan(&m.ID, &m.TLD, &m.MsgID, &m.Kind, &m.Domain, &m.Text, &m.ReceivedAt); err != nil {
				rows.Close()
				return Detail{}, err
			}
			out.Messages = append(out.Messages, m)
		}
		rows.Close()
	}
	return out, nil
}

// notFound turns a refusal into not found, so that another organisation's ids are not
// revealed.
func notFound(err error) error {
	if errors.Is(err, accounts.ErrForbidden) {
		return accounts.ErrNotFound
	}
	return err
}

// TransferToken gives the registrant the domain's transfer token (cp.av.6.6: the
// provider cooperates with moving the name), asking the registry for one when we hold
// none; every fetch is audited.
func (s *Service) TransferToken(ctx context.Context, by accounts.Principal, id int64) (string, error) {
	d, err := getDomain(ctx, s.db, `WHERE id = $1`, id)
	if err != nil {
		return "", err
	}
	if err := by.Check(accounts.DomainRead, accounts.OrgID(d.OrgID)); err != nil {
		return "", notFound(err)
	}
	if err := by.Check(accounts.DomainTransferToken, accounts.OrgID(d.OrgID)); err != nil {
		return "", err
	}
	if d.State != StateActive && d.State != StateScheduledDelete {
		return "", accounts.FieldErrors{"domain": i18n.T("domains.no_token_in_state")}
	}
	var sealed string
	if err := s.db.QueryRowContext(ctx, `SELECT transfer_token FROM domains WHERE id = $1`, id).Scan(&sealed); err != nil {
		return "", err
	}
	var token string
	if sealed != "" {
		if token, err = s.keys.OpenString(secrets.PurposeCredential, tokenBinding(id), secrets.Sealed(sealed)); err != nil {
			return "", err
		}
	} else {
		reg, err := s.registryFor(ctx, d.TLD)
		if err != nil {
			return "", err
		}
		token, err = reg.TransferToken(ctx, d.Name)
		_ = reg.Close()
		if err != nil {
			return "", err
		}
		sl, err := s.keys.SealString(secrets.PurposeCredential, tokenBinding(id), token)
		if err != nil {
			return "", err
		}
		sealed = string(sl)
	}
	ctx = accounts.ActorContext(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE domains SET transfer_token = $1 WHERE id = $2`, sealed, id); err != nil {
			return err
		}
		return record(ctx, q, now, d.OrgID, string(accounts.DomainTransferToken), id, d.Name+": transfer token fetched")
	})
	return token, err
}

// RetryTransfer tries a failed transfer in again with a new code from the customer.
func (s *Service) RetryTransfer(ctx context.Context, by accounts.Principal, id int64, authCode string) (Operation, error) {
	d, err := getDomain(ctx, s.db, `WHERE id = $1`, id)
	if err != nil {
		return Operation{}, err
	}
	if err := by.Check(accounts.DomainRead, accounts.OrgID(d.OrgID)); err != nil {
		return Operation{}, notFound(err)
	}
	if err := by.Check(accounts.OrderPlace, accounts.OrgID(d.OrgID)); err != nil {
		return Operation{}, err
	}
	authCode = strings.TrimSpace(authCode)
	if authCode == "" || len(authCode) > 64 {
		return Operation{}, accounts.FieldErrors{"auth_code": i18n.T("domains.auth_code_needed")}
	}
	if d.State != StateTransferFailed {
		return Operation{}, accounts.FieldErrors{"domain": i18n.T("domains.not_failed_transfer")}
	}
	return s.queueBy(ctx, by, d, OpTransferIn, authCode, "transfer in again with a new code", StatePendingTransfer)
}

// RunAgain queues a failed step of a domain again (staff).
func (s *Service) RunAgain(ctx context.Context, by accounts.Principal, opID int64) (Operation, error) {
	if err := by.Check(accounts.DomainManage, accounts.Provider); err != nil {
		return Operation{}, err
	}
	ops, err := listOps(ctx, s.db, `WHERE id = $1`, opID)
	if err != nil {
		return Operation{}, err
	}
	if len(ops) == 0 {
		return Operation{}, accounts.ErrNotFound
	}
	op := ops[0]
	if op.State != OpFailed || op.Op == OpTransferIn {
		return Operation{}, accounts.FieldErrors{"operation": i18n.T("domains.not_failed_step")}
	}
	d, err := getDomain(ctx, s.db, `WHERE id = $1`, op.DomainID)
	if err != nil {
		return Operation{}, err
	}
	state := d.State
	if op.Op == OpRegister {
		state = StatePending
	}
	ctx = accounts.ActorContext(ctx, by)
	var out Operation
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		id, err := s.queueRaw(ctx, q, now, d.ID, d.OrgID, op.Op, fmt.Sprintf("again:%d:%d", op.ID, now.UnixNano()), op.Args, "", by.User.Email)
		if err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE domains SET state = $1, updated_at = $2 WHERE id = $3`, state, now, d.ID); err != nil {
			return err
		}
		if err := record(ctx, q, now, d.OrgID, "domain.run_again", d.ID, fmt.Sprintf("%s: %s queued again by staff", d.Name, op.Op)); err != nil {
			return err
		}
		got, err := listOps(ctx, q, `WHERE id = $1`, id)
		if err == nil && len(got) == 1 {
			out = got[0]
		}
		return err
	})
	return out, err
}

// Restore redeems a domain from quarantine for its last registrant, at the customer's
// request, which staff record (the registry allows it only to the last registrant).
func (s *Service) Restore(ctx context.Context, by accounts.Principal, id int64, request string) (Operation, error) {
	if err := by.Check(accounts.DomainManage, accounts.Provider); err != nil {
		return Operation{}, err
	}
	d, err := getDomain(ctx, s.db, `WHERE id = $1`, id)
	if err != nil {
		return Operation{}, err
	}
	request = strings.TrimSpace(request)
	if request == "" || len(request) > 2000 {
		return Operation{}, accounts.FieldErrors{"request": i18n.T("domains.restore_request_needed")}
	}
	if d.State != StateQuarantine {
		return Operation{}, accounts.FieldErrors{"domain": i18n.T("domains.not_in_quarantine")}
	}
	return s.queueBy(ctx, by, d, OpRestore, "", "redemption from quarantine at the customer's request: "+request, "")
}

func (s *Service) queueBy(ctx context.Context, by accounts.Principal, d Domain, op Op, authCode, why, state string) (Operation, error) {
	ctx = accounts.ActorContext(ctx, by)
	var out Operation
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var busy int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM domain_operations WHERE domain_id = $1 AND op = $2 AND state IN ('queued', 'running')`,
			d.ID, string(op)).Scan(&busy); err != nil {
			return err
		}
		if busy > 0 {
			return accounts.FieldErrors{"domain": i18n.T("domains.step_under_way")}
		}
		id, err := s.queueRaw(ctx, q, now, d.ID, d.OrgID, op, fmt.Sprintf("%s:%d:%d", op, d.ID, now.UnixNano()), "{}", authCode, by.User.Email)
		if err != nil {
			return err
		}
		if state != "" {
			if _, err := q.ExecContext(ctx, `UPDATE domains SET state = $1, registry_state = '', updated_at = $2 WHERE id = $3`, state, now, d.ID); err != nil {
				return err
			}
		}
		if err := record(ctx, q, now, d.OrgID, "domain."+string(op)+"_queued", d.ID, d.Name+": "+why); err != nil {
			return err
		}
		got, err := listOps(ctx, q, `WHERE id = $1`, id)
		if err == nil && len(got) == 1 {
			out = got[0]
		}
		return err
	})
	return out, err
}

// PlainState is the key of a state's sentence for the customer.
func PlainState(state string) string { return "domains.state_" + state }
