package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
)

func validNote(note string, required bool) (string, error) {
	note = strings.TrimSpace(note)
	if (required && note == "") || len(note) > 2000 {
		return "", accounts.FieldErrors{"note": i18n.T("provision.err.note")}
	}
	return note, nil
}

// staffReason sets or lifts a reason on one service as staff decided it.
func (s *Service) staffReason(ctx context.Context, by accounts.Principal, id int64, r driver.SuspendReason, set bool, note string, required bool) error {
	if err := mayManage(by); err != nil {
		return err
	}
	note, err := validNote(note, required)
	if err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		v, err := getSvc(ctx, q, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if set {
			return s.addReason(ctx, q, v, r, note)
		}
		return s.liftReason(ctx, q, v, r, note)
	})
}

// SuspendByStaff suspends one service by hand (provision.manage) with the reason
// staff; the note says why and goes into the audit trail.
func (s *Service) SuspendByStaff(ctx context.Context, by accounts.Principal, id int64, note string) error {
	return s.staffReason(ctx, by, id, driver.SuspendStaff, true, note, true)
}

// UnsuspendByStaff lifts the staff suspension of one service (provision.manage);
// suspensions for non-payment or abuse stay.
func (s *Service) UnsuspendByStaff(ctx context.Context, by accounts.Principal, id int64) error {
	return s.staffReason(ctx, by, id, driver.SuspendStaff, false, "", false)
}

// Block suspends one service for abuse (provision.manage), for the notice-and-
// takedown desk; the note names the notice.
func (s *Service) Block(ctx context.Context, by accounts.Principal, id int64, note string) error {
	return s.staffReason(ctx, by, id, driver.SuspendAbuse, true, note, true)
}

// Unblock lifts an abuse block (provision.manage); other reasons stay.
func (s *Service) Unblock(ctx context.Context, by accounts.Principal, id int64, note string) error {
	return s.staffReason(ctx, by, id, driver.SuspendAbuse, false, note, false)
}

// Move queues the move of an active or suspended service to another server of a type
// that delivers its kind, with room (provision.manage). The account is created on the
// target with new credentials (shown to the customer once), suspended there for the
// reasons set, and terminated on the old server, whose data stay for staff to copy.
func (s *Service) Move(ctx context.Context, by accounts.Principal, id, serverID int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		v, err := getSvc(ctx, q, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if v.state != StateActive && v.state != StateSuspended {
			return ErrNotRunning
		}
		if v.secretNext != "" {
			return ErrResetUnderway
		}
		target, err := s.getServer(ctx, q, serverID)
		if err != nil {
			return err
		}
		fe := accounts.FieldErrors{}
		switch {
		case target.ID == v.serverID:
			fe["server_id"] = i18n.T("provision.err.same_server")
		case !target.Enabled || !slices.Contains(target.Kinds, v.kind):
			fe["server_id"] = i18n.T("provision.err.server_unsuitable")
		case target.Room() == 0:
			fe["server_id"] = i18n.T("provision.err.server_full")
		}
		if len(fe) > 0 {
			return fe
		}
		next, err := s.sealString(v.id, "next", newSecret())
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE provision_services SET secret_next = $1, updated_at = $2 WHERE id = $3`, next, now, id); err != nil {
			return err
		}
		if _, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpMove, target: serverID}); err != nil {
			return err
		}
		return record(ctx, q, now, v.orgID, "provision.move_queued", "provision_service", id,
			fmt.Sprintf("%s (%s) to be moved from server %d to %s", v.name, v.ref, v.serverID, target.Name))
	})
}
