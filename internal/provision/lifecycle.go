package provision

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
)

var (
	_ contracts.Provisioner      = (*Service)(nil)
	_ contracts.ServiceSuspender = (*Service)(nil)
	_ contracts.PlanChanger      = (*Service)(nil)
)

// Ref is the external reference of a subscription's service on its server.
func Ref(subscriptionID int64) string { return fmt.Sprintf("hp%d", subscriptionID) }

// Provision implements contracts.Provisioner: it records the service of a
// subscription, places it on a server with room and queues its creation. A kind no
// registered driver type delivers (a design project, a domain) is not provisioned
// here. Without a server with room the service stays pending, with the reason staff
// see, and provision.run (or a second call) places it once capacity appears; calling
// it again for a placed service does nothing.
func (s *Service) Provision(ctx context.Context, sub contracts.Subscription) error {
	kind := driver.Kind(sub.Kind)
	if len(s.typesFor(kind)) == 0 {
		return nil
	}
	ref := Ref(sub.ID)
	if err := driver.ValidRef(ref); err != nil {
		return err
	}
	var pkg driver.Package
	if sub.PlanID != 0 && s.plans != nil {
		plan, err := s.plans.GetPlan(ctx, sub.PlanID)
		if err != nil {
			return err
		}
		pkg = PackageFor(plan)
	}
	pj, err := json.Marshal(pkg)
	if err != nil {
		return err
	}
	ctx = jobCtx(ctx, "provision")
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO provision_services (subscription_id, org_id, kind, name, domain, plan_id, ref, state, package,
			created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $9, $9)
			ON CONFLICT (subscription_id) DO NOTHING RETURNING id`, sub.ID, sub.OrgID, kind, sub.Name, sub.Domain, sub.PlanID, ref, string(pj), now).Scan(&id)
		if isNoRows(err) {
			// Known already: one still waiting for room is placed if there is some now.
			v, err := getSvc(ctx, q, `WHERE subscription_id = $1`, sub.ID)
			if err != nil {
				return err
			}
			_, err = s.place(ctx, q, now, v)
			return err
		}
		if err != nil {
			return err
		}
		if err := record(ctx, q, now, sub.OrgID, "provision.service_new", "provision_service", id,
			fmt.Sprintf("%s (%s) to be provisioned as %s", sub.Name, kind, ref)); err != nil {
			return err
		}
		v, err := getSvc(ctx, q, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		_, err = s.place(ctx, q, now, v)
		return err
	})
}

// place puts an unplaced service on the enabled, not draining server of a type that
// delivers its kind with the fewest services and room left, and queues its creation
// with a new secret (sealed before any driver sees it). Without such a server it
// records why. It reports whether the service was placed.
func (s *Service) place(ctx context.Context, q store.Querier, now time.Time, v svc) (bool, error) {
	if v.serverID != 0 || v.state != StatePending {
		return false, nil
	}
	types := s.typesFor(v.kind)
	if len(types) == 0 {
		return false, nil
	}
	args := []any{}
	ph := make([]string, len(types))
	for i, t := range types {
		args = append(args, t)
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	args = append(args, "%,"+string(v.kind)+",%")
	kindArg := fmt.Sprintf("$%d", len(args))
	var serverID int64
	var name string
	err := q.QueryRowContext(ctx, `SELECT s.id, s.name FROM provision_servers s
		JOIN (SELECT s2.id, (SELECT COUNT(*) FROM provision_services v WHERE v.server_id = s2.id AND v.state <> 'deleted') AS n FROM provision_servers s2) c ON c.id = s.id
		WHERE s.enabled AND NOT s.draining AND s.driver_type IN (`+strings.Join(ph, ", ")+`) AND c.n < s.capacity
		AND (s.kinds = '' OR s.kinds LIKE `+kindArg+`)
		ORDER BY c.n, s.id LIMIT 1`, args...).Scan(&serverID, &name)
	if isNoRows(err) {
		if v.problem == problemNoRoom {
			return false, nil
		}
		if _, err := q.ExecContext(ctx, `UPDATE provision_services SET problem = $1, problem_text = '', updated_at = $2 WHERE id = $3`,
			problemNoRoom, now, v.id); err != nil {
			return false, err
		}
		return false, record(ctx, q, now, v.orgID, "provision.service_waiting", "provision_service", v.id,
			fmt.Sprintf("%s (%s) waits: no enabled server of a type that delivers %s has room", v.name, v.ref, v.kind))
	}
	if err != nil {
		return false, err
	}
	secret, err := s.sealString(v.id, "secret", newSecret())
	if err != nil {
		return false, err
	}
	res, err := q.ExecContext(ctx, `UPDATE provision_services SET server_id = $1, secret = $2, secret_ready = FALSE, problem = '', problem_text = '',
		updated_at = $3 WHERE id = $4 AND server_id IS NULL`, serverID, secret, now, v.id)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	if _, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpCreate, key: fmt.Sprintf("create:%d", v.id)}); err != nil {
		return false, err
	}
	// Suspensions decided while the service waited for a server follow its creation.
	for _, r := range v.reasons {
		if _, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpSuspend, reason: r}); err != nil {
			return false, err
		}
	}
	return true, record(ctx, q, now, v.orgID, "provision.service_placed", "provision_service", v.id,
		fmt.Sprintf("%s (%s) placed on server %s; creation queued", v.name, v.ref, name))
}

const problemNoRoom = "provision.problem.no_room"

func isNoRows(err error) bool { return err != nil && errors.Is(err, sql.ErrNoRows) }

// placeWaiting places the services that wait for room.
func (s *Service) placeWaiting(ctx context.Context) error {
	vs, err := listSvcs(ctx, s.db, `WHERE server_id IS NULL AND state = 'pending' ORDER BY id`)
	if err != nil {
		return err
	}
	full := map[driver.Kind]bool{}
	for _, v := range vs {
		if full[v.kind] {
			continue
		}
		placed := false
		err := s.db.InTx(ctx, func(q store.Querier) error {
			v, err := getSvc(ctx, q, `WHERE id = $1`, v.id)
			if err != nil {
				return err
			}
			placed, err = s.place(ctx, q, s.now(), v)
			return err
		})
		if err != nil {
			return err
		}
		if !placed {
			full[v.kind] = true // no room for this kind; the next run looks again
		}
	}
	return nil
}

// Deprovision implements contracts.Provisioner: it queues the termination of the
// subscription's service. A service that never got a server is terminated at once.
func (s *Service) Deprovision(ctx context.Context, sub contracts.Subscription) error {
	ctx = jobCtx(ctx, "provision")
	return s.db.InTx(ctx, func(q store.Querier) error {
		v, err := getSvc(ctx, q, `WHERE subscription_id = $1`, sub.ID)
		if errors.Is(err, accounts.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return s.terminate(ctx, q, v)
	})
}

func (s *Service) terminate(ctx context.Context, q store.Querier, v svc) error {
	if v.state == StateTerminated || v.state == StateDeleted {
		return nil
	}
	now := s.now()
	if v.serverID == 0 {
		if _, err := q.ExecContext(ctx, `UPDATE provision_services SET state = 'terminated', reasons = '', secret = '', problem = '', problem_text = '',
			updated_at = $1 WHERE id = $2`, now, v.id); err != nil {
			return err
		}
		return record(ctx, q, now, v.orgID, "provision.terminate", "provision_service", v.id,
			fmt.Sprintf("%s (%s) terminated before it was placed on a server", v.name, v.ref))
	}
	id, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpTerminate, key: fmt.Sprintf("terminate:%d", v.id)})
	if err != nil || id == 0 {
		return err
	}
	return record(ctx, q, now, v.orgID, "provision.terminate_queued", "provision_service", v.id,
		fmt.Sprintf("%s (%s) ends: termination queued", v.name, v.ref))
}

// Suspend implements contracts.ServiceSuspender: it sets the reason non-payment.
func (s *Service) Suspend(ctx context.Context, sub contracts.Subscription) error {
	ctx = jobCtx(ctx, "provision")
	return s.bySub(ctx, sub.ID, func(q store.Querier, v svc) error {
		err := s.addReason(ctx, q, v, driver.SuspendNonPayment, "")
		if errors.Is(err, ErrGone) {
			return nil // an ended service needs no suspension
		}
		return err
	})
}

// Resume implements contracts.ServiceSuspender: it lifts the reason non-payment; the
// service comes back only when no other reason (staff, abuse) remains.
func (s *Service) Resume(ctx context.Context, sub contracts.Subscription) error {
	ctx = jobCtx(ctx, "provision")
	return s.bySub(ctx, sub.ID, func(q store.Querier, v svc) error {
		return s.liftReason(ctx, q, v, driver.SuspendNonPayment, "")
	})
}

func (s *Service) bySub(ctx context.Context, subID int64, fn func(q store.Querier, v svc) error) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		v, err := getSvc(ctx, q, `WHERE subscription_id = $1`, subID)
		if errors.Is(err, accounts.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return fn(q, v)
	})
}

// addReason sets a suspend reason and, when the service is on a server, queues the
// suspension there. Setting a reason that is set does nothing.
func (s *Service) addReason(ctx context.Context, q store.Querier, v svc, r driver.SuspendReason, note string) error {
	if v.state == StateTerminated || v.state == StateDeleted {
		return ErrGone
	}
	if slices.Contains(v.reasons, r) {
		return nil
	}
	now := s.now()
	reasons := joinReasons(append(slices.Clone(v.reasons), r))
	if _, err := q.ExecContext(ctx, `UPDATE provision_services SET reasons = $1, updated_at = $2 WHERE id = $3`, reasons, now, v.id); err != nil {
		return err
	}
	if v.serverID != 0 {
		if _, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpSuspend, reason: r}); err != nil {
			return err
		}
	}
	summary := fmt.Sprintf("%s (%s) to be suspended (%s)", v.name, v.ref, r)
	if note != "" {
		summary += ": " + note
	}
	return record(ctx, q, now, v.orgID, "provision.suspend_"+strings.ReplaceAll(string(r), "-", "_"), "provision_service", v.id, summary)
}

// liftReason lifts a suspend reason; the server puts the service back in use only
// when it was the last one. Lifting a reason that is not set does nothing.
func (s *Service) liftReason(ctx context.Context, q store.Querier, v svc, r driver.SuspendReason, note string) error {
	if !slices.Contains(v.reasons, r) {
		return nil
	}
	now := s.now()
	left := slices.DeleteFunc(slices.Clone(v.reasons), func(x driver.SuspendReason) bool { return x == r })
	if _, err := q.ExecContext(ctx, `UPDATE provision_services SET reasons = $1, updated_at = $2 WHERE id = $3`, joinReasons(left), now, v.id); err != nil {
		return err
	}
	summary := fmt.Sprintf("suspension of %s (%s) for %s lifted", v.name, v.ref, r)
	if len(left) > 0 {
		summary += fmt.Sprintf("; it stays suspended (%s)", joinReasons(left))
	} else if v.serverID != 0 && v.state != StateTerminated && v.state != StateDeleted {
		if _, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpUnsuspend, reason: r}); err != nil {
			return err
		}
		summary += "; back in use once the server took it"
	}
	if note != "" {
		summary += ": " + note
	}
	return record(ctx, q, now, v.orgID, "provision.unsuspend_"+strings.ReplaceAll(string(r), "-", "_"), "provision_service", v.id, summary)
}

// PlanChanged implements contracts.PlanChanger: the service gets the package of the
// subscription's new plan. A package it has already is not queued again.
func (s *Service) PlanChanged(ctx context.Context, sub contracts.Subscription) error {
	if s.plans == nil || sub.PlanID == 0 {
		return nil
	}
	plan, err := s.plans.GetPlan(ctx, sub.PlanID)
	if err != nil {
		return err
	}
	pkg := PackageFor(plan)
	pj, err := json.Marshal(pkg)
	if err != nil {
		return err
	}
	ctx = jobCtx(ctx, "provision")
	return s.bySub(ctx, sub.ID, func(q store.Querier, v svc) error {
		if v.state == StateTerminated || v.state == StateDeleted {
			return nil
		}
		old, _ := json.Marshal(v.pkg)
		if string(old) == string(pj) {
			return nil
		}
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE provision_services SET package = $1, plan_id = $2, name = $3, updated_at = $4 WHERE id = $5`,
			string(pj), plan.ID, sub.Name, now, v.id); err != nil {
			return err
		}
		// Not yet created: the creation takes the new package.
		if v.serverID != 0 {
			if _, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpChangePackage, payload: string(pj)}); err != nil {
				return err
			}
		}
		return record(ctx, q, now, v.orgID, "provision.change_package_queued", "provision_service", v.id,
			fmt.Sprintf("%s (%s) gets the package of plan %s", v.name, v.ref, plan.Code))
	})
}

// DeleteDue queues the deletion of the data of terminated services whose retention
// period, as the terms set it and contracts scheduled it (cp.av.13.6), has passed,
// and tells contracts about deletions already done.
func (s *Service) DeleteDue(ctx context.Context) error {
	if s.deletions == nil {
		return nil
	}
	due, err := s.deletions.DueDeletions(ctx, s.clock.Now())
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range due {
		var deleted bool
		err := s.bySub(ctx, d.SubscriptionID, func(q store.Querier, v svc) error {
			switch v.state {
			case StateDeleted:
				deleted = true
			case StateTerminated:
				now := s.now()
				id, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpDelete, key: fmt.Sprintf("delete:%d", v.id)})
				if err != nil || id == 0 {
					return err
				}
				return record(ctx, q, now, v.orgID, "provision.delete_queued", "provision_service", v.id,
					fmt.Sprintf("%s (%s): retention of %s data ended on %s; deletion queued", v.name, v.ref, d.Category, d.DeleteAfter))
			}
			return nil
		})
		if err == nil && deleted {
			err = s.deletions.DeletionDone(ctx, d.SubscriptionID)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
