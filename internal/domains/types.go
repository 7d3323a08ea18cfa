package domains

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Domain is one domain subscription's registration, as staff and the customer see it.
type Domain struct {
	ID             int64      `json:"id"`
	SubscriptionID int64      `json:"subscription_id"`
	ContractID     int64      `json:"contract_id"`
	OrgID          int64      `json:"org_id"`
	Name           string     `json:"name"`
	TLD            string     `json:"tld"`
	Mode           string     `json:"mode"`
	State          string     `json:"state"`
	RegistryState  string     `json:"registry_state"`
	ROID           string     `json:"roid,omitempty"`
	ExpiresOn      terms.Date `json:"expires_on,omitzero"`
	DeleteOn       terms.Date `json:"delete_on,omitzero"`
	TermNo         int        `json:"term_no"`
	Registrant     string     `json:"registrant"`
	HasToken       bool       `json:"has_token"`
	ConsentBasis   string     `json:"consent_basis"`
	ConsentClauses string     `json:"consent_clauses"`
	ConsentAt      *time.Time `json:"consent_at,omitempty"`
	Problem        string     `json:"problem,omitempty"`
	LastSync       *time.Time `json:"last_sync,omitempty"`
	EndedAt        *time.Time `json:"ended_at,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// Operation is one registry step.
type Operation struct {
	ID          int64      `json:"id"`
	DomainID    int64      `json:"domain_id"`
	OrgID       int64      `json:"org_id"`
	Op          Op         `json:"op"`
	Args        string     `json:"args"`
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	NotBefore   time.Time  `json:"not_before"`
	Error       string     `json:"error,omitempty"`
	RequestedBy string     `json:"requested_by,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DoneAt      *time.Time `json:"done_at,omitempty"`
}

// SyncReport is a difference between the registry's view and ours.
type SyncReport struct {
	ID         int64      `json:"id"`
	DomainID   int64      `json:"domain_id"`
	Field      string     `json:"field"`
	Ours       string     `json:"ours"`
	Theirs     string     `json:"theirs"`
	FoundAt    time.Time  `json:"found_at"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
}

// PollMessage is a registry message as stored.
type PollMessage struct {
	ID         int64     `json:"id"`
	TLD        string    `json:"tld"`
	MsgID      string    `json:"msg_id"`
	Kind       string    `json:"kind"`
	Domain     string    `json:"domain"`
	Text       string    `json:"text"`
	ReceivedAt time.Time `json:"received_at"`
}

const domainCols = `id, subscription_id, contract_id, org_id, name, tld, mode, state, registry_state, roid, expires_on, delete_on, term_no,
	registrant, transfer_token <> '', consent_basis, consent_clauses, consent_at, problem, last_sync, ended_at, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanDomain(r scanner) (Domain, error) {
	var d Domain
	var consent, sync, ended sql.NullTime
	err := r.Scan(&d.ID, &d.SubscriptionID, &d.ContractID, &d.OrgID, &d.Name, &d.TLD, &d.Mode, &d.State, &d.RegistryState, &d.ROID,
		&d.ExpiresOn, &d.DeleteOn, &d.TermNo, &d.Registrant, &d.HasToken, &d.ConsentBasis, &d.ConsentClauses, &consent, &d.Problem,
		&sync, &ended, &d.CreatedAt, &d.UpdatedAt)
	d.ConsentAt, d.LastSync, d.EndedAt = tp(consent), tp(sync), tp(ended)
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, err
}

func tp(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

func getDomain(ctx context.Context, q store.Querier, where string, args ...any) (Domain, error) {
	d, err := scanDomain(q.QueryRowContext(ctx, `SELECT `+domainCols+` FROM domains `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Domain{}, accounts.ErrNotFound
	}
	return d, err
}

const opCols = `id, domain_id, org_id, op, args, state, attempts, not_before, error, requested_by, created_at, done_at`

func scanOp(r scanner) (Operation, error) {
	var o Operation
	var done sql.NullTime
	err := r.Scan(&o.ID, &o.DomainID, &o.OrgID, &o.Op, &o.Args, &o.State, &o.Attempts, &o.NotBefore, &o.Error, &o.RequestedBy, &o.CreatedAt, &done)
	o.DoneAt = tp(done)
	o.NotBefore, o.CreatedAt = o.NotBefore.UTC(), o.CreatedAt.UTC()
	return o, err
}

func listOps(ctx context.Context, q store.Querier, where string, args ...any) ([]Operation, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+opCols+` FROM domain_operations `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Operation
	for rows.Next() {
		o, err := scanOp(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// amsterdam is the terms' zone.
var amsterdam = sync.OnceValue(func() *time.Location {
	loc, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		return time.UTC
	}
	return loc
})
