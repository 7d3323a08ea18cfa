package epp

import (
	"fmt"

	"github.com/hostpact/hostpact/internal/domains/registry"
)

// Profile is what one registry adds to or leaves out of plain EPP, and its rules as
// data. The periods here are the registry's rules (cp.av.6.2, fo.av.10.1: registration
// follows the registering body's rules), not the provider's terms, so they live with the
// registry's profile and not in a terms pack.
type Profile struct {
	Name   string
	ObjURI []string
	ExtURI []string

	// ScheduledDelete: the registry cancels at a date and the cancellation can be
	// withdrawn until then (SIDN's sidn-ext-epp-scheduled-delete-1.0).
	ScheduledDelete bool
	// Restore is how a deleted domain is redeemed: "sidn" (SIDN's domainCancelDelete
	// command during quarantine) or "rgp" (RFC 3915 restore request).
	Restore string
	// AutoRenew: the registry renews every period by itself until the domain is cancelled;
	// it offers no renew command (SIDN).
	AutoRenew bool
	// AuthInfoAtCreate: the registrar chooses the transfer token at create (gTLDs, .eu,
	// .be); otherwise the registry makes its own on request (SIDN).
	AuthInfoAtCreate bool
	// PeriodUnit is the unit the registry wants periods in ("y" or "m").
	PeriodUnit string
	// LegalForm: contacts carry a legal form in the registry's extension (SIDN).
	LegalForm bool

	Rules registry.Rules
}

// SIDN is the .nl profile.
//
// SIDN's registration rules (Algemene voorwaarden voor .nl-registrars and the
// Reglement voor registratie van .nl-domeinnamen): a cancelled domain name stays in
// quarantine for 40 days, during which only the last registrant can have it back; a
// registrar that cancels for its own reasons (such as non-payment) must first give the
// registrant 30 days to move the domain to another registrar. Renewal is automatic per
// subscription period; SIDN offers no renew command.
var SIDN = Profile{
	Name:   "sidn",
	ObjURI: []string{NSDomain, NSContact, NSHost},
	ExtURI: []string{NSSIDN, NSSIDNSchD, NSSecDNS},

	ScheduledDelete: true,
	Restore:         "sidn",
	AutoRenew:       true,
	PeriodUnit:      "m",
	LegalForm:       true,
	Rules: registry.Rules{
		QuarantineDays:            40,
		RegistrantNoticeDays:      30,
		RestoreOnlyLastRegistrant: true,
		NewTokenAfterTransfer:     true,
		ScheduledDelete:           true,
		AutoRenew:                 true,
	},
}

// Generic is the profile for gTLD-like registries (.eu and .be follow it closely): RGP
// restore (RFC 3915) in a 30-day redemption period, an explicit renew, a transfer token
// chosen by the registrar at create. Only the parts hostpact uses are in it.
var Generic = Profile{
	Name:             "generic",
	ObjURI:           []string{NSDomain, NSContact, NSHost},
	ExtURI:           []string{NSRGP, NSSecDNS},
	Restore:          "rgp",
	AuthInfoAtCreate: true,
	PeriodUnit:       "y",
	Rules: registry.Rules{
		// ICANN's Expired Registration Recovery Policy: a 30-day redemption grace period.
		QuarantineDays: 30,
	},
}

// ProfileByName returns a profile for the configuration.
func ProfileByName(name string) (Profile, error) {
	switch name {
	case "sidn", "nl", ".nl", "":
		return SIDN, nil
	case "generic", "gtld", "eu", "be":
		return Generic, nil
	}
	return Profile{}, fmt.Errorf("epp: unknown registry profile %q", name)
}

func (p Profile) period(years int) *Period {
	if years <= 0 {
		years = 1
	}
	if p.PeriodUnit == "m" {
		return &Period{Unit: "m", Value: 12 * years}
	}
	return &Period{Unit: "y", Value: years}
}
