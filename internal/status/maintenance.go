package status

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Maintenance is a window in which servers are worked on.
type Maintenance struct {
	ID           int64             `json:"id"`
	Kind         string            `json:"kind"`
	TitleNL      string            `json:"title_nl"`
	TitleEN      string            `json:"title_en,omitempty"`
	MessageNL    string            `json:"message_nl,omitempty"`
	MessageEN    string            `json:"message_en,omitempty"`
	Reason       string            `json:"-"`
	StartsAt     time.Time         `json:"starts_at"`
	EndsAt       time.Time         `json:"ends_at"`
	AnnouncedAt  time.Time         `json:"announced_at"`
	Announced    bool              `json:"-"`
	Explanation  terms.Explanation `json:"-"`
	CreatedBy    string            `json:"-"`
	CancelledAt  *time.Time        `json:"cancelled_at,omitempty"`
	CancelReason string            `json:"-"`
	ServerIDs    []int64           `json:"server_ids"`
}

// Title is the maintenance's title in lang.
func (m Maintenance) Title(lang string) string { return Text(lang, m.TitleNL, m.TitleEN) }

// Message is the maintenance's description in lang.
func (m Maintenance) Message(lang string) string { return Text(lang, m.MessageNL, m.MessageEN) }

// Excluded reports whether the SLA excludes the window: emergency maintenance, or
// planned maintenance announced in time, not cancelled (cp.sla.exclusions.1).
func (m Maintenance) Excluded() bool {
	return m.CancelledAt == nil && (m.Kind == Emergency || m.Announced)
}

// MaintenanceInput plans or records maintenance.
type MaintenanceInput struct {
	Kind                 string // planned or emergency
	TitleNL, TitleEN     string
	MessageNL, MessageEN string
	Reason               string // required for emergency maintenance
	StartsAt, EndsAt     time.Time
	ServerIDs            []int64
}

// ScheduleMaintenance announces planned maintenance, or records emergency maintenance
// with its reason (IncidentManage). Planned maintenance is mailed to every customer
// with services on its servers, in their language; whether it was announced in time is
// the terms' MaintenanceNotice, kept with its explanation. Maintenance announced too
// late is still announced and mailed, but is not excluded from the SLA.
func (s *Service) ScheduleMaintenance(ctx context.Context, by accounts.Principal, in MaintenanceInput) (Maintenance, error) {
	if err := by.Check(accounts.IncidentManage, accounts.Provider); err != nil {
		return Maintenance{}, err
	}
	fe := FieldErrors{}
	if in.Kind != Planned && in.Kind != Emergency {
		fe["kind"] = i18n.T("status.choose_planned_emergency")
	}
	checkText(fe, "title_nl", in.TitleNL, true, 200)
	checkText(fe, "title_en", in.TitleEN, false, 200)
	checkText(fe, "message_nl", in.MessageNL, false, maxText)
	checkText(fe, "message_en", in.MessageEN, false, maxText)
	checkText(fe, "reason", in.Reason, in.Kind == Emergency, maxText)
	if in.StartsAt.IsZero() {
		fe["starts_at"] = i18n.T("status.this_field_required")
	}
	if in.EndsAt.IsZero() {
		fe["ends_at"] = i18n.T("status.this_field_required")
	} else if !in.EndsAt.After(in.StartsAt) {
		fe["ends_at"] = i18n.T("status.end_must_after_start")
	}
	servers := idList(in.ServerIDs)
	if len(servers) == 0 {
		fe["server_ids"] = i18n.T("status.choose_least_one_server")
	}
	if len(fe) > 0 {
		return Maintenance{}, fe
	}
	ctx = withActor(ctx, by)
	now := s.now()
	in.StartsAt, in.EndsAt = store.Now(in.StartsAt), store.Now(in.EndsAt)
	announced := true
	var ex terms.Explanation
	if in.Kind == Planned {
		pol, err := s.policy(now)
		if err != nil {
			return Maintenance{}, err
		}
		res, e, err := pol.MaintenanceNotice(now, in.StartsAt)
		if err != nil {
			return Maintenance{}, FieldErrors{"starts_at": i18n.From(err)}
		}
		announced, ex = res.Announced, e
	}
	exJSON, err := json.Marshal(ex)
	if err != nil {
		return Maintenance{}, err
	}
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if err := q.QueryRowContext(ctx, `INSERT INTO status_maintenance (kind, title_nl, title_en, message_nl, message_en, reason, starts_at, ends_at,
			announced_at, announced, explanation, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			in.Kind, strings.TrimSpace(in.TitleNL), strings.TrimSpace(in.TitleEN), strings.TrimSpace(in.MessageNL), strings.TrimSpace(in.MessageEN),
			strings.TrimSpace(in.Reason), in.StartsAt, in.EndsAt, now, announced, string(exJSON), by.User.Email).Scan(&id); err != nil {
			return fmt.Errorf("status: maintenance: %w", err)
		}
		for _, sid := range servers {
			if _, err := q.ExecContext(ctx, `INSERT INTO status_maintenance_servers (maintenance_id, server_id) VALUES ($1, $2)`, id, sid); err != nil {
				return fmt.Errorf("status: maintenance server: %w", err)
			}
		}
		summary := fmt.Sprintf("%s maintenance %q from %s to %s", in.Kind, strings.TrimSpace(in.TitleNL), in.StartsAt.Format(time.RFC3339), in.EndsAt.Format(time.RFC3339))
		if in.Kind == Planned && !announced {
			summary += " (announced too late to be excluded from the SLA)"
		}
		if err := audit.Record(ctx, q, now, audit.Change{Action: "maintenance." + in.Kind, ObjectKind: "maintenance", ObjectID: fmt.Sprint(id), Summary: summary}); err != nil {
			return err
		}
		m, err := s.getMaintenance(ctx, q, id)
		if err != nil {
			return err
		}
		if in.Kind == Planned {
			if err := s.mailCustomers(ctx, q, now, m, "announce"); err != nil {
				return err
			}
		}
		return s.notifySubscribers(ctx, q, now, fmt.Sprintf("maintenance:%d", id), maintenanceMail(m, false))
	})
	if err != nil {
		return Maintenance{}, err
	}
	s.changed(ctx)
	return s.getMaintenance(ctx, s.db, id)
}

// CancelMaintenance cancels maintenance that has not ended; the customers who were told
// of it are told it is off.
func (s *Service) CancelMaintenance(ctx context.Context, by accounts.Principal, id int64, reason string) (Maintenance, error) {
	if err := by.Check(accounts.IncidentManage, accounts.Provider); err != nil {
		return Maintenance{}, err
	}
	fe := FieldErrors{}
	checkText(fe, "reason", reason, true, maxText)
	if len(fe) > 0 {
		return Maintenance{}, fe
	}
	ctx = withActor(ctx, by)
	now := s.now()
	err := s.db.InTx(ctx, func(q store.Querier) error {
		m, err := s.getMaintenance(ctx, q, id)
		if err != nil {
			return err
		}
		if m.CancelledAt != nil {
			return FieldErrors{"reason": i18n.T("status.this_maintenance_cancelled_already")}
		}
		if !m.EndsAt.After(now) {
			return FieldErrors{"reason": i18n.T("status.this_maintenance_has_ended")}
		}
		if _, err := q.ExecContext(ctx, `UPDATE status_maintenance SET cancelled_at = $1, cancel_reason = $2 WHERE id = $3 AND cancelled_at IS NULL`,
			now, strings.TrimSpace(reason), id); err != nil {
			return fmt.Errorf("status: cancel maintenance: %w", err)
		}
		if err := audit.Record(ctx, q, now, audit.Change{Action: "maintenance.cancel", ObjectKind: "maintenance", ObjectID: fmt.Sprint(id),
			Summary: "cancelled: " + strings.TrimSpace(reason)}); err != nil {
			return err
		}
		if m.Kind == Planned {
			if err := s.mailCustomers(ctx, q, now, m, "cancel"); err != nil {
				return err
			}
		}
		return s.notifySubscribers(ctx, q, now, fmt.Sprintf("maintenance:%d:cancel", id), maintenanceMail(m, true))
	})
	if err != nil {
		return Maintenance{}, err
	}
	s.changed(ctx)
	return s.getMaintenance(ctx, s.db, id)
}

// MaintenanceList lists maintenance for staff (MonitorRead), latest start first.
func (s *Service) MaintenanceList(ctx context.Context, by accounts.Principal, limit int) ([]Maintenance, error) {
	if err := by.Check(accounts.MonitorRead, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	return s.listMaintenance(ctx, s.db, `ORDER BY starts_at DESC, id DESC LIMIT $1`, limit)
}

// MaintenanceByID returns one maintenance window for staff (MonitorRead).
func (s *Service) MaintenanceByID(ctx context.Context, by accounts.Principal, id int64) (Maintenance, error) {
	if err := by.Check(accounts.MonitorRead, accounts.Provider); err != nil {
		return Maintenance{}, err
	}
	return s.getMaintenance(ctx, s.db, id)
}

// MaintenanceFor gives the announced (in time) and emergency maintenance on any of
// serverIDs within [from, to) as SLA exclusions (cp.sla.exclusions.1), clipped to the
// range, with reason maintenance-announced or maintenance-emergency. Cancelled
// maintenance and maintenance announced too late give none.
func (s *Service) MaintenanceFor(ctx context.Context, q store.Querier, serverIDs []int64, from, to time.Time) ([]sla.Exclusion, error) {
	ids := idList(serverIDs)
	if len(ids) == 0 || !to.After(from) {
		return nil, nil
	}
	list, err := s.listMaintenance(ctx, q, `WHERE starts_at < $1 AND ends_at > $2 AND cancelled_at IS NULL
		AND id IN (SELECT maintenance_id FROM status_maintenance_servers WHERE server_id IN `+inList(ids)+`) ORDER BY starts_at, id`,
		store.Now(to), store.Now(from))
	if err != nil {
		return nil, err
	}
	var out []sla.Exclusion
	for _, m := range list {
		if !m.Excluded() {
			continue
		}
		e := sla.Exclusion{From: m.StartsAt, To: m.EndsAt, Reason: ReasonAnnounced}
		if m.Kind == Emergency {
			e.Reason = ReasonEmergency
		}
		if e.From.Before(from) {
			e.From = from
		}
		if e.To.After(to) {
			e.To = to
		}
		out = append(out, e)
	}
	return out, nil
}

func inList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return "(" + strings.Join(parts, ",") + ")"
}

const maintenanceSelect = `SELECT id, kind, title_nl, title_en, message_nl, message_en, reason, starts_at, ends_at, announced_at, announced,
	explanation, created_by, cancelled_at, cancel_reason FROM status_maintenance `

func (s *Service) getMaintenance(ctx context.Context, q store.Querier, id int64) (Maintenance, error) {
	list, err := s.listMaintenance(ctx, q, `WHERE id = $1`, id)
	if err != nil {
		return Maintenance{}, err
	}
	if len(list) == 0 {
		return Maintenance{}, accounts.ErrNotFound
	}
	return list[0], nil
}

func (s *Service) listMaintenance(ctx context.Context, q store.Querier, where string, args ...any) ([]Maintenance, error) {
	var out []Maintenance
	if err := eachRow(ctx, q, maintenanceSelect+where, func(r scanner) error {
		var m Maintenance
		var ex string
		var cancelled sql.NullTime
		if err := r.Scan(&m.ID, &m.Kind, &m.TitleNL, &m.TitleEN, &m.MessageNL, &m.MessageEN, &m.Reason, &m.StartsAt, &m.EndsAt, &m.AnnouncedAt,
			&m.Announced, &ex, &m.CreatedBy, &cancelled, &m.CancelReason); err != nil {
			return err
		}
		m.StartsAt, m.EndsAt, m.AnnouncedAt = m.StartsAt.UTC(), m.EndsAt.UTC(), m.AnnouncedAt.UTC()
		if cancelled.Valid {
			t := cancelled.Time.UTC()
			m.CancelledAt = &t
		}
		if err := store.DecodeJSON(fmt.Sprintf("maintenance %d", m.ID), "explanation", ex, &m.Explanation); err != nil {
			return err
		}
		m.ServerIDs = []int64{}
		out = append(out, m)
		return nil
	}, args...); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	byID := map[int64]*Maintenance{}
	ids := make([]int64, len(out))
	for k := range out {
		byID[out[k].ID], ids[k] = &out[k], out[k].ID
	}
	err := eachRow(ctx, q, `SELECT maintenance_id, server_id FROM status_maintenance_servers WHERE maintenance_id IN `+inList(ids)+` ORDER BY server_id`, func(r scanner) error {
		var mid, sid int64
		if err := r.Scan(&mid, &sid); err != nil {
			return err
		}
		byID[mid].ServerIDs = append(byID[mid].ServerIDs, sid)
		return nil
	})
	return out, err
}

// mailCustomers tells every organisation with services on m's servers, once per
// organisation and event (the dedupe key), in the organisation's language.
func (s *Service) mailCustomers(ctx context.Context, q store.Querier, now time.Time, m Maintenance, event string) error {
	if s.d.Monitor == nil || s.d.Customers == nil {
		return nil
	}
	placed, err := s.d.Monitor.SubscriptionsOn(ctx, q, m.ServerIDs)
	if err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, p := range placed {
		if seen[p.OrgID] {
			continue
		}
		seen[p.OrgID] = true
		to, err := s.d.Customers.Contact(ctx, q, p.OrgID)
		if err != nil {
			return err
		}
		if to.Email == "" {
			continue
		}
		subject, body := customerMaintenanceMail(m, to.Lang, event, s.base)
		_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: fmt.Sprintf("status:maintenance:%d:%s:%d", m.ID, event, p.OrgID),
			OrgID: p.OrgID, To: to.Email, ToName: to.Name, Lang: to.Lang, Subject: subject, Text: body})
		if err != nil && err != notify.ErrDuplicate {
			return err
		}
	}
	return nil
}

// Local formats t for a reader in lang, in Amsterdam time: "4 december 2026 02:00".
func Local(t time.Time, lang string) string {
	t = t.In(clock.Amsterdam)
	months := []string{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"}
	if lang == "en" {
		return t.Format("2 January 2006 15:04")
	}
	return fmt.Sprintf("%d %s %d %s", t.Day(), months[t.Month()-1], t.Year(), t.Format("15:04"))
}
