package accounts

import (
	"context"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/notify"
)

// AuditTrail returns audit entries newest first as the principal may read them: staff
// the whole trail or one organisation's part of it (f.OrgID), a customer its own
// organisation's part (cp.privacy.portal.1: a customer sees what was done in
// its name). The audit package knows nothing of principals; this is its guarded door.
func (s *Service) AuditTrail(ctx context.Context, by Principal, f audit.Filter) ([]audit.Entry, error) {
	if f.OrgID == 0 {
		f.OrgID = by.Own().ID
	}
	if err := by.Check(AuditRead, OrgID(f.OrgID)); err != nil {
		return nil, err
	}
	return audit.List(ctx, s.db, f)
}

// Outbox lists outgoing mail newest first (orgID 0: all of it) for staff who may read
// it; beforeID pages back.
func (s *Service) Outbox(ctx context.Context, by Principal, orgID, beforeID int64, limit int) ([]notify.Mail, error) {
	if err := by.Check(MailRead, OrgID(orgID)); err != nil {
		return nil, err
	}
	return notify.List(ctx, s.db, orgID, beforeID, limit)
}
