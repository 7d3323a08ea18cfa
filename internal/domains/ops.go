package domains

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// RunJob is domains.run.
func (s *Service) RunJob() jobs.Job {
	return jobs.Job{Name: "domains.run", Every: time.Minute, Run: s.Run}
}

// Run queues what the subscriptions ask for (Follow) and executes due operations, at
// most Settings.Batch, one at a time per domain in the order they were queued. A step
// is claimed with a lease; a run killed half-way leaves it to the next run once the
// lease passed, and the registry calls are safe to repeat, so each change happens
// once. A registry that cannot be reached puts the step back with a growing wait.
func (s *Service) Run(ctx context.Context, _ time.Time) error {
	ctx = jobCtx(ctx, "domains.run")
	var errs []error
	if err := s.Follow(ctx); err != nil {
		errs = append(errs, err)
	}
	regs := map[string]registry.Registry{}
	defer func() {
		for _, r := range regs {
			_ = r.Close()
		}
	}()
	for range s.set.Batch {
		op, d, ok, err := s.claim(ctx)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if !ok {
			break
		}
		if err := s.execute(ctx, regs, op, d); err != nil {
			errs = append(errs, err)
			break // a crash point: stop as a killed run would
		}
	}
	return errors.Join(errs...)
}

// claim takes the oldest due queued step of a domain with no earlier unfinished step,
// for a lease.
func (s *Service) claim(ctx context.Context) (Operation, Domain, bool, error) {
	var op Operation
	var d Domain
	var ok bool
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		// A running step whose lease passed was abandoned by a killed run: take it back.
		if _, err := q.ExecContext(ctx, `UPDATE domain_operations SET state = 'queued', updated_at = $1 WHERE state = 'running' AND lease_until < $1`, now); err != nil {
			return err
		}
		ops, err := listOps(ctx, q, `WHERE state = 'queued' AND not_before <= $1 AND NOT EXISTS (SELECT 1 FROM domain_operations e
			WHERE e.domain_id = domain_operations.domain_id AND e.id < domain_operations.id AND e.state IN ('queued', 'running'))
			ORDER BY not_before, id LIMIT 1`, now)
		if err != nil || len(ops) == 0 {
			return err
		}
		op = ops[0]
		r, err := q.ExecContext(ctx, `UPDATE domain_operations SET state = 'running', attempts = attempts + 1, lease_until = $1, updated_at = $2
			WHERE id = $3 AND state = 'queued'`, now.Add(s.set.Lease), now, op.ID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		op.Attempts++
		op.State = OpRunning
		d, err = getDomain(ctx, q, `WHERE id = $1`, op.DomainID)
		ok = err == nil
		return err
	})
	return op, d, ok, err
}

// permanent reports whether a registry error will not go away by trying again.
func permanent(err error) bool {
	return errors.Is(err, registry.ErrAuthorization) || errors.Is(err, registry.ErrNotAllowed) ||
		errors.Is(err, registry.ErrNotAvailable) || errors.Is(err, registry.ErrNotFound)
}

// execute runs one claimed step. A registry error that will not pass fails the step
// with the registry's words; anything else puts it back with back-off.
func (s *Service) execute(ctx context.Context, regs map[string]registry.Registry, op Operation, d Domain) error {
	reg, err := s.cachedRegistry(ctx, regs, d.TLD)
	if err == nil {
		err = s.fail("before-call")
		if err == nil {
			err = s.step(ctx, reg, op, d)
		}
	}
	if err == nil {
		return nil
	}
	if errors.Is(err, errCrash) {
		return err
	}
	if errors.Is(err, registry.ErrUnavailable) {
		delete(regs, d.TLD)
	}
	return s.failed(ctx, op, d, err, permanent(err))
}

// errCrash marks a failpoint's error: the run stops as a killed one would, touching
// nothing more.
var errCrash = errors.New("domains: crash (test)")

func (s *Service) cachedRegistry(ctx context.Context, regs map[string]registry.Registry, tld string) (registry.Registry, error) {
	if r, ok := regs[tld]; ok {
		return r, nil
	}
	r, err := s.registryFor(ctx, tld)
	if err != nil {
		return nil, err
	}
	regs[tld] = r
	return r, nil
}

// failed records a failed attempt: for good (with the registry's words, for staff and
// the customer) or with a wait that doubles per attempt.
func (s *Service) failed(ctx context.Context, op Operation, d Domain, cause error, final bool) error {
	if !final && op.Attempts >= s.set.MaxAttempts {
		final = true
	}
	msg := cause.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if !final {
			wait := s.set.Backoff << min(op.Attempts-1, 20)
			if wait > s.set.MaxBackoff || wait <= 0 {
				wait = s.set.MaxBackoff
			}
			_, err := q.ExecContext(ctx, `UPDATE domain_operations SET state = 'queued', lease_until = NULL, not_before = $1, error = $2, updated_at = $3
				WHERE id = $4 AND state = 'running'`, now.Add(wait), msg, now, op.ID)
			if err == nil {
				_, err = q.ExecContext(ctx, `UPDATE domains SET problem = $1, updated_at = $2 WHERE id = $3`, msg, now, d.ID)
			}
			return err
		}
		r, err := q.ExecContext(ctx, `UPDATE domain_operations SET state = 'failed', lease_until = NULL, error = $1, auth_code = '', done_at = $2, updated_at = $2
			WHERE id = $3 AND state = 'running'`, msg, now, op.ID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil
		}
		state := d.State
		switch {
		case op.Op == OpTransferIn:
			state = StateTransferFailed
		case op.Op == OpRegister:
			state = StateFailed
		}
		if _, err := q.ExecContext(ctx, `UPDATE domains SET state = $1, problem = $2, updated_at = $3 WHERE id = $4`, state, msg, now, d.ID); err != nil {
			return err
		}
		if err := record(ctx, q, now, d.OrgID, "domain.operation_failed", d.ID, fmt.Sprintf("%s: %s failed: %s", d.Name, op.Op, msg)); err != nil {
			return err
		}
		return s.mailFailed(ctx, q, now, d, op, msg)
	})
}

type stepArgs struct {
	From        string `json:"from,omitempty"`          // renew: the expiry it renews from
	Years       int    `json:"years,omitempty"`         // renew
	TermNo      int    `json:"term_no,omitempty"`       // renew: the subscription term it covers
	EndOfPeriod bool   `json:"end_of_period,omitempty"` // schedule_delete
	Date        string `json:"date,omitempty"`          // schedule_delete, registrar_cancel
}

// step makes the registry call of one operation and records its result. The record
// is written by the claim that ran the call (state = 'running' in the WHERE), so a
// second run after a crash repeats only the call, which the registry takes as done.
func (s *Service) step(ctx context.Context, reg registry.Registry, op Operation, d Domain) error {
	var a stepArgs
	if err := json.Unmarshal([]byte(op.Args), &a); err != nil {
		return fmt.Errorf("domains: operation %d args: %w", op.ID, err)
	}
	set := map[string]any{}
	var summary string
	var active, gone bool
	var newToken string
	switch op.Op {
	case OpRegister:
		handle, err := s.registrant(ctx, reg, d)
		if err != nil {
			return err
		}
		got, err := reg.Create(ctx, registry.Registration{Name: d.Name, Period: 1, Registrant: handle, AdminC: handle, TechC: handle, Nameservers: s.set.Nameservers})
		if err != nil {
			return err
		}
		set["state"], set["registry_state"], set["roid"], set["expires_on"] = StateActive, string(got.State), got.ROID, dateOf(got.Expires)
		summary, active = fmt.Sprintf("%s registered, expires on %s", d.Name, dateOf(got.Expires)), true
	case OpTransferIn:
		code, err := s.authCode(ctx, op)
		if err != nil {
			return err
		}
		var tr registry.Transfer
		if d.RegistryState == string(registry.StatePendingTransfer) {
			tr, err = reg.QueryTransfer(ctx, d.Name)
		} else {
			tr, err = reg.RequestTransfer(ctx, d.Name, code)
		}
		if err != nil {
			return err
		}
		if tr.Status == "pending" {
			// The losing registrar may still act: look again later (not an attempt).
			return s.waitTransfer(ctx, op, d)
		}
		if tr.Status != "serverApproved" && tr.Status != "clientApproved" {
			return fmt.Errorf("%w: the transfer ended as %s", registry.ErrNotAllowed, tr.Status)
		}
		info, err := reg.Info(ctx, d.Name)
		if err != nil {
			return err
		}
		set["state"], set["registry_state"], set["roid"], set["expires_on"], set["registrant"] = StateActive, string(info.State), info.ROID, dateOf(info.Expires), info.Registrant
		newToken = tr.NewToken
		summary, active = fmt.Sprintf("%s transferred in, expires on %s", d.Name, dateOf(info.Expires)), true
	case OpRenew:
		from, err := terms.ParseDate(a.From)
		if err != nil {
			return err
		}
		exp, err := reg.Renew(ctx, d.Name, from.Time(time.UTC), max(a.Years, 1))
		if err != nil {
			return err
		}
		set["expires_on"], set["term_no"] = dateOf(exp), a.TermNo
		summary = fmt.Sprintf("%s renewed to %s", d.Name, dateOf(exp))
	case OpScheduleDelete, OpRegistrarDel:
		at := registry.DeleteAt{EndOfPeriod: a.EndOfPeriod}
		if !a.EndOfPeriod {
			day, err := terms.ParseDate(a.Date)
			if err != nil {
				return err
			}
			at.Date = day.Time(time.UTC)
		}
		got, err := reg.ScheduleDelete(ctx, d.Name, at)
		if err != nil {
			return err
		}
		set["state"], set["registry_state"], set["delete_on"] = StateScheduledDelete, string(got.State), dateOf(got.DeleteDate)
		summary = fmt.Sprintf("%s: the registry deletes it on %s", d.Name, dateOf(got.DeleteDate))
	case OpCancelDelete:
		got, err := reg.CancelDelete(ctx, d.Name)
		if err != nil {
			return err
		}
		set["state"], set["registry_state"], set["delete_on"] = StateActive, string(got.State), nil
		summary = d.Name + ": the scheduled delete was withdrawn"
	case OpRestore:
		got, err := reg.Restore(ctx, d.Name)
		if err != nil {
			return err
		}
		set["state"], set["registry_state"], set["delete_on"], set["expires_on"] = StateActive, string(got.State), nil, dateOf(got.Expires)
		summary, active = d.Name+": redeemed from quarantine for its last registrant", true
	case OpContactUpdate:
		c, err := s.contact(ctx, d.OrgID)
		if err != nil {
			return err
		}
		c.Handle = d.Registrant
		if err := reg.UpdateContact(ctx, c); err != nil {
			return err
		}
		summary = d.Name + ": the registrant's data were updated at the registry"
	default:
		return fmt.Errorf("%w: unknown operation %q", registry.ErrNotAllowed, op.Op)
	}
	if err := s.fail("after-call"); err != nil {
		return err
	}
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		r, err := q.ExecContext(ctx, `UPDATE domain_operations SET state = 'done', lease_until = NULL, auth_code = '', error = '', done_at = $1, updated_at = $1
			WHERE id = $2 AND state = 'running'`, now, op.ID)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return nil // another run finished it
		}
		set["problem"], set["updated_at"] = "", now
		if newToken != "" {
			sealed, err := s.keys.SealString(secrets.PurposeCredential, tokenBinding(d.ID), newToken)
			if err != nil {
				return err
			}
			set["transfer_token"] = string(sealed)
		}
		if err := updateDomain(ctx, q, d.ID, set); err != nil {
			return err
		}
		if err := record(ctx, q, now, d.OrgID, "domain."+string(op.Op), d.ID, summary); err != nil {
			return err
		}
		return s.mailDone(ctx, q, now, d, op, set)
	})
	if err != nil {
		return err
	}
	if s.zones != nil {
		switch {
		case active:
			err = s.zones.DomainActive(ctx, d.OrgID, d.Name)
		case gone:
			err = s.zones.DomainGone(ctx, d.OrgID, d.Name)
		}
		if err != nil {
			s.log.Error("domains: zone keeper", "domain", d.Name, "err", err)
		}
	}
	return nil
}

func (s *Service) waitTransfer(ctx context.Context, op Operation, d Domain) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE domain_operations SET state = 'queued', lease_until = NULL, attempts = attempts - 1, not_before = $1, updated_at = $2
			WHERE id = $3 AND state = 'running'`, now.Add(s.set.Backoff), now, op.ID); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `UPDATE domains SET registry_state = $1, updated_at = $2 WHERE id = $3`, string(registry.StatePendingTransfer), now, d.ID)
		return err
	})
}

// updateDomain sets columns by name; the names are this package's own.
func updateDomain(ctx context.Context, q store.Querier, id int64, set map[string]any) error {
	cols := []string{"state", "registry_state", "roid", "expires_on", "delete_on", "term_no", "registrant", "transfer_token", "problem", "updated_at"}
	sql := "UPDATE domains SET "
	var args []any
	for _, c := range cols {
		v, ok := set[c]
		if !ok {
			continue
		}
		if len(args) > 0 {
			sql += ", "
		}
		args = append(args, v)
		sql += fmt.Sprintf("%s = $%d", c, len(args))
	}
	args = append(args, id)
	_, err := q.ExecContext(ctx, sql+fmt.Sprintf(" WHERE id = $%d", len(args)), args...)
	return err
}

func dateOf(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return terms.DateIn(t, time.UTC)
}

// authCode opens a transfer step's code.
func (s *Service) authCode(ctx context.Context, op Operation) (string, error) {
	var sealed string
	if err := s.db.QueryRowContext(ctx, `SELECT auth_code FROM domain_operations WHERE id = $1`, op.ID).Scan(&sealed); err != nil {
		return "", err
	}
	if sealed == "" {
		return "", fmt.Errorf("%w: no auth code", registry.ErrAuthorization)
	}
	return s.keys.OpenString(secrets.PurposeCredential, opBinding(op.ID), secrets.Sealed(sealed))
}

// registrant is the domain's registrant handle, created at the registry from the
// organisation's data the first time (cp.privacy.domains.1). The handle is stored
// at once, so a later crash does not create a second contact.
func (s *Service) registrant(ctx context.Context, reg registry.Registry, d Domain) (string, error) {
	if d.Registrant != "" {
		return d.Registrant, nil
	}
	var other string
	err := s.db.QueryRowContext(ctx, `SELECT registrant FROM domains WHERE org_id = $1 AND tld = $2 AND registrant <> '' ORDER BY id LIMIT 1`, d.OrgID, d.TLD).Scan(&other)
	if err != nil && !isNoRows(err) {
		return "", err
	}
	if other == "" {
		c, err := s.contact(ctx, d.OrgID)
		if err != nil {
			return "", err
		}
		if other, err = reg.CreateContact(ctx, c); err != nil {
			return "", err
		}
	}
	_, err = s.db.ExecContext(ctx, `UPDATE domains SET registrant = $1, updated_at = $2 WHERE id = $3`, other, s.now(), d.ID)
	return other, err
}

// contact is the registrant as the organisation's data describe it.
func (s *Service) contact(ctx context.Context, orgID int64) (registry.Contact, error) {
	if s.custs == nil {
		return registry.Contact{}, errors.New("domains: no customer data")
	}
	o, err := s.custs.GetOrganisation(ctx, SystemPrincipal, orgID)
	if err != nil {
		return registry.Contact{}, err
	}
	c := registry.Contact{Name: o.ContactName, Email: o.Email, Phone: o.Phone, CountryCode: o.PostalAddress.Country,
		City: o.PostalAddress.City, PostalCode: o.PostalAddress.PostalCode, LegalForm: "PERSOON"}
	if o.PostalAddress.Street != "" {
		c.Street = []string{o.PostalAddress.Street}
	}
	if o.Kind == accounts.Business {
		c.Organisation, c.LegalForm = o.LegalName, "ANDERS"
	}
	if c.Name == "" {
		c.Name = o.LegalName
	}
	return c, nil
}

// Follow queues what each live domain's subscription asks for: a later term renews it
// (a domain renews with its subscription), an end date schedules its delete at the
// registry (at the end of the period when the subscription ends with its term,
// cp.av.6.6), an end for non-payment does so after the terms' notice with a notice to
// the registrant (cp.av.6.9, fo.av.10.6), and a cancellation that was withdrawn
// withdraws the scheduled delete.
func (s *Service) Follow(ctx context.Context) error {
	if s.subs == nil {
		return nil
	}
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT `+domainCols+` FROM domains WHERE ended_at IS NULL AND id > $1 AND state IN ('active', 'scheduled_delete')
			ORDER BY id LIMIT 200`, after)
		if err != nil {
			return err
		}
		var ds []Domain
		for rows.Next() {
			d, err := scanDomain(rows)
			if err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ds) == 0 {
			return nil
		}
		for _, d := range ds {
			after = d.ID
			sub, err := s.subs.GetSubscription(ctx, SystemPrincipal, d.SubscriptionID)
			if err != nil {
				s.log.Error("domains: subscription of domain", "domain", d.Name, "err", err)
				continue
			}
			if err := s.follow(ctx, d, sub); err != nil {
				return err
			}
		}
	}
}

func (s *Service) follow(ctx context.Context, d Domain, sub contracts.Subscription) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		// Nothing new while a step of this domain is under way.
		var busy int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM domain_operations WHERE domain_id = $1 AND state IN ('queued', 'running')`, d.ID).Scan(&busy); err != nil {
			return err
		}
		if busy > 0 {
			return nil
		}
		switch {
		case !sub.EndsOn.IsZero() && d.State == StateActive:
			if sub.EndReason == contracts.EndReasonDefault {
				return s.queueRegistrarCancel(ctx, q, now, d, sub)
			}
			args := map[string]string{"date": sub.EndsOn.String()}
			if sub.EndsOn == sub.TermEnd {
				args["end_of_period"] = "true"
			}
			_, err := s.queueJSON(ctx, q, now, d, OpScheduleDelete, fmt.Sprintf("schedule_delete:%d:%s", d.ID, sub.EndsOn), args)
			return err
		case sub.EndsOn.IsZero() && d.State == StateScheduledDelete:
			var last int64
			if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM domain_operations WHERE domain_id = $1 AND op IN ('schedule_delete', 'registrar_cancel')`,
				d.ID).Scan(&last); err != nil {
				return err
			}
			_, err := s.queueJSON(ctx, q, now, d, OpCancelDelete, fmt.Sprintf("cancel_delete:%d:%d", d.ID, last), nil)
			return err
		case sub.TermNo > d.TermNo && d.State == StateActive && !d.ExpiresOn.IsZero():
			_, err := s.queueJSON(ctx, q, now, d, OpRenew, fmt.Sprintf("renew:%d:%d", d.ID, sub.TermNo),
				map[string]string{"from": d.ExpiresOn.String(), "years": "1", "term_no": fmt.Sprint(sub.TermNo)})
			return err
		}
		return nil
	})
}

// queueJSON queues with string args turned into the step's typed args.
func (s *Service) queueJSON(ctx context.Context, q store.Querier, now time.Time, d Domain, op Op, key string, args map[string]string) (int64, error) {
	var a stepArgs
	a.From, a.Date, a.EndOfPeriod = args["from"], args["date"], args["end_of_period"] == "true"
	fmt.Sscan(args["years"], &a.Years)
	fmt.Sscan(args["term_no"], &a.TermNo)
	b, err := json.Marshal(a)
	if err != nil {
		return 0, err
	}
	id, err := s.queueRaw(ctx, q, now, d.ID, d.OrgID, op, key, string(b), "", "")
	if err != nil || id == 0 {
		return id, err
	}
	return id, record(ctx, q, now, d.OrgID, "domain.queued", d.ID, fmt.Sprintf("%s: %s queued", d.Name, op))
}

// queueRegistrarCancel schedules the delete of a domain whose agreement ended for
// non-payment, the terms' notice after today, and tells the registrant in the same
// transaction (cp.av.6.9, fo.av.10.6).
func (s *Service) queueRegistrarCancel(ctx context.Context, q store.Querier, now time.Time, d Domain, sub contracts.Subscription) error {
	if s.pack == nil {
		return errors.New("domains: no terms to give the notice of a cancellation for non-payment")
	}
	today := s.today()
	pol, err := s.pack.At(today)
	if err != nil {
		return err
	}
	on, ex, err := pol.DomainCancelForDefault(today)
	if err != nil {
		return err
	}
	id, err := s.queueJSON(ctx, q, now, d, OpRegistrarDel, fmt.Sprintf("registrar_cancel:%d:%s", d.ID, sub.EndsOn), map[string]string{"date": on.String()})
	if err != nil || id == 0 {
		return err
	}
	return s.mailRegistrarNotice(ctx, q, now, d, on, ex)
}
