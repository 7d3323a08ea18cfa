package app

import (
	"context"
	"github.com/hostpact/hostpact/internal/provision"

	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/store"
)

// statusCustomers gives the status service an organisation's contact address and
// language, in the caller's transaction, for maintenance announcements (cp.av.12.2).
type statusCustomers struct{}

func (statusCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (status.Recipient, error) {
	var r status.Recipient
	err := q.QueryRowContext(ctx, `SELECT email, CASE WHEN contact_name <> '' THEN contact_name ELSE legal_name END, language
		FROM organisations WHERE id = $1 AND disabled = FALSE`, orgID).Scan(&r.Email, &r.Name, &r.Lang)
	if err != nil {
		return status.Recipient{}, nil // a removed or disabled organisation is not mailed
	}
	return r, nil
}

// slaCustomers gives the SLA service the same contact, to tell a customer how its claim
// was decided.
type slaCustomers struct{}

func (slaCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (compensation.Recipient, error) {
	r, err := statusCustomers{}.Contact(ctx, q, orgID)
	return compensation.Recipient{Email: r.Email, Name: r.Name, Lang: r.Lang}, err
}

// provisionCustomers gives the provisioning service the same contact, to say that a
// service is ready or has new credentials.
type provisionCustomers struct{}

func (provisionCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (provision.Recipient, error) {
	r, err := statusCustomers{}.Contact(ctx, q, orgID)
	return provision.Recipient{Email: r.Email, Name: r.Name, Lang: r.Lang}, err
}
