package app

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/store"
)

// abuseCustomers gives the notice-and-takedown desk an organisation's contact and,
// for an identification staff granted (cp.ntd.2.5), its name and postal address.
type abuseCustomers struct{}

func (abuseCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (abuse.Recipient, error) {
	var r abuse.Recipient
	var street, code, city, country string
	err := q.QueryRowContext(ctx, `SELECT email, CASE WHEN contact_name <> '' THEN contact_name ELSE legal_name END, language, legal_name,
		postal_street, postal_code, postal_city, postal_country FROM organisations WHERE id = $1`, orgID).
		Scan(&r.Email, &r.Name, &r.Lang, &r.LegalName, &street, &code, &city, &country)
	if err != nil {
		return abuse.Recipient{}, nil // a removed organisation is not mailed
	}
	r.Address = strings.TrimSpace(strings.Join([]string{street, strings.TrimSpace(code + " " + city), country}, ", "))
	return r, nil
}

// buildDesks builds the notice-and-takedown desk and responsible disclosure; Build
// registers their mail handlers for the abuse and security addresses.
func (a *App) buildDesks() error {
	a.Abuse = abuse.New(a.DB, a.Clock, abuse.Deps{Pack: a.Pack, Locator: abuse.SQLLocator{}, Customers: abuseCustomers{}, Blocker: a.Provision,
		DeskEmail: a.DeskAddress("abuse"), BaseURL: a.Config.URL(), Provider: a.Pack.Provider.LegalName, Logger: a.Logger})
	a.Disclosure = disclosure.New(a.DB, a.Clock, disclosure.Deps{Pack: a.Pack, DeskEmail: a.DeskAddress("security"), BaseURL: a.Config.URL(),
		Provider: a.Pack.Provider.LegalName, Logger: a.Logger})
	if a.Config.SecurityTxtKey != "" {
		b, err := os.ReadFile(a.Config.SecurityTxtKey)
		if err != nil {
			return fmt.Errorf("HOSTPACT_SECURITY_TXT_KEY: %w", err)
		}
		if a.securityTxt, err = disclosure.NewSigner(b); err != nil {
			return fmt.Errorf("HOSTPACT_SECURITY_TXT_KEY: %w", err)
		}
	}
	return nil
}

// signer is the security.txt signer as the web layer takes it: nil when none.
func (a *App) signer() interface {
	Sign([]byte, time.Time) ([]byte, error)
} {
	if a.securityTxt == nil {
		return nil
	}
	return a.securityTxt
}
