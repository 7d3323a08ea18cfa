package domains

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// ConnectionInput is what staff enter for a registry connection. Empty credentials
// keep the stored ones.
type ConnectionInput struct {
	TLD         string            `json:"tld"`
	Address     string            `json:"address"`
	Username    string            `json:"username"`
	Credentials map[string]string `json:"credentials,omitempty"`
	Enabled     bool              `json:"enabled"`
}

// ConnectionView is a connection as staff see it: the names of the credentials, never
// their values.
type ConnectionView struct {
	ID              int64     `json:"id"`
	TLD             string    `json:"tld"`
	Address         string    `json:"address"`
	Username        string    `json:"username"`
	CredentialNames []string  `json:"credential_names"`
	Enabled         bool      `json:"enabled"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func credBinding(tld string) string { return "domain-registry:" + tld }

// SaveConnection adds or changes the connection to a TLD's registry; the credentials
// are sealed with the keyring.
func (s *Service) SaveConnection(ctx context.Context, by accounts.Principal, in ConnectionInput) (ConnectionView, error) {
	if err := by.Check(accounts.DomainManage, accounts.Provider); err != nil {
		return ConnectionView{}, err
	}
	in.TLD = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(in.TLD)), ".")
	in.Address = strings.TrimSpace(in.Address)
	fe := accounts.FieldErrors{}
	if in.TLD == "" || len(in.TLD) > 63 || strings.ContainsAny(in.TLD, " /:") {
		fe["tld"] = i18n.T("domains.tld_invalid")
	}
	if in.Address == "" || !strings.Contains(in.Address, ":") || len(in.Address) > 255 {
		fe["address"] = i18n.T("domains.address_invalid")
	}
	if len(fe) > 0 {
		return ConnectionView{}, fe
	}
	sealed := ""
	if len(in.Credentials) > 0 {
		b, err := json.Marshal(in.Credentials)
		if err != nil {
			return ConnectionView{}, err
		}
		sl, err := s.keys.Seal(secrets.PurposeCredential, credBinding(in.TLD), b)
		if err != nil {
			return ConnectionView{}, err
		}
		sealed = string(sl)
	}
	ctx = accounts.ActorContext(ctx, by)
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		err := q.QueryRowContext(ctx, `INSERT INTO domain_registries (tld, address, username, credentials, enabled, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (tld) DO UPDATE SET address = excluded.address, username = excluded.username,
			credentials = CASE WHEN excluded.credentials = '' THEN domain_registries.credentials ELSE excluded.credentials END,
			enabled = excluded.enabled, updated_at = excluded.updated_at RETURNING id`,
			in.TLD, in.Address, in.Username, sealed, in.Enabled, now).Scan(&id)
		if err != nil {
			return err
		}
		return record(ctx, q, now, 0, "domain.registry_saved", id, fmt.Sprintf("registry connection for .%s: %s (enabled %v)", in.TLD, in.Address, in.Enabled))
	})
	if err != nil {
		return ConnectionView{}, err
	}
	cs, err := s.Connections(ctx, by)
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return ConnectionView{}, err
}

// Connections lists the registry connections.
func (s *Service) Connections(ctx context.Context, by accounts.Principal) ([]ConnectionView, error) {
	if err := by.Check(accounts.DomainManage, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, tld, address, username, credentials, enabled, updated_at FROM domain_registries ORDER BY tld`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConnectionView
	for rows.Next() {
		var c ConnectionView
		var sealed string
		if err := rows.Scan(&c.ID, &c.TLD, &c.Address, &c.Username, &sealed, &c.Enabled, &c.UpdatedAt); err != nil {
			return nil, err
		}
		if sealed != "" {
			if creds, err := s.open(c.TLD, sealed); err == nil {
				for k := range creds {
					c.CredentialNames = append(c.CredentialNames, k)
				}
			}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *Service) open(tld, sealed string) (map[string]string, error) {
	b, err := s.keys.Open(secrets.PurposeCredential, credBinding(tld), secrets.Sealed(sealed))
	if err != nil {
		return nil, err
	}
	var m map[string]string
	return m, json.Unmarshal(b, &m)
}

// registryFor dials the registry of a TLD.
func (s *Service) registryFor(ctx context.Context, tld string) (registry.Registry, error) {
	var c Connection
	var sealed string
	err := s.db.QueryRowContext(ctx, `SELECT id, tld, address, username, credentials, enabled FROM domain_registries WHERE tld = $1`, tld).
		Scan(&c.ID, &c.TLD, &c.Address, &c.Username, &sealed, &c.Enabled)
	if isNoRows(err) || (err == nil && !c.Enabled) || s.dial == nil {
		return nil, fmt.Errorf("%w: .%s", ErrNoRegistry, tld)
	}
	if err != nil {
		return nil, err
	}
	if sealed != "" {
		if c.Credentials, err = s.open(tld, sealed); err != nil {
			return nil, err
		}
	}
	r, err := s.dial(ctx, c)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", registry.ErrUnavailable, err)
	}
	return r, nil
}
