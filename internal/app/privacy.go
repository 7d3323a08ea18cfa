package app

import (
	"context"
	"github.com/hostpact/hostpact/internal/newsletter"
	"slices"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/privacy/holders"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// The privacy service's view of the other packages (issue 12).

type privacyCustomers struct{}

func (privacyCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (privacy.Recipient, error) {
	r, err := statusCustomers{}.Contact(ctx, q, orgID)
	return privacy.Recipient{Email: r.Email, Name: r.Name, Lang: r.Lang}, err
}

// privacySubscriptions finds the customers of a subprocessor change through the
// contracts feed (every subscription of the pack, in keyset pages): announcements are
// rare, so a pass over the feed is cheaper than an index of kinds.
type privacySubscriptions struct{ pack string }

func (p privacySubscriptions) RunningOfKinds(ctx context.Context, q store.Querier, kinds []string, day terms.Date) ([]privacy.Affected, error) {
	var out []privacy.Affected
	after := contracts.FeedKey{}
	for {
		subs, err := contracts.BillableSubscriptions(ctx, q, p.pack, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, s := range subs {
			if s.Status != contracts.SubActive || !slices.Contains(kinds, string(s.Kind)) || (!s.EndsOn.IsZero() && !s.EndsOn.After(day)) {
				continue
			}
			if n := len(out); n > 0 && out[n-1].OrgID == s.OrgID {
				out[n-1].Subscriptions = append(out[n-1].Subscriptions, s.ID)
			} else {
				out = append(out, privacy.Affected{OrgID: s.OrgID, Subscriptions: []int64{s.ID}})
			}
		}
		if len(subs) < 1000 {
			return out, nil
		}
		last := subs[len(subs)-1]
		after = contracts.FeedKey{OrgID: last.OrgID, SubID: last.ID}
	}
}

// privacyPlacements finds the customers on the servers of a breach: the services the
// monitor measures there (provisioning places every service it delivers).
type privacyPlacements struct{ m *monitor.Service }

func (p privacyPlacements) OnServers(ctx context.Context, q store.Querier, serverIDs []int64) ([]privacy.Affected, error) {
	ps, err := p.m.SubscriptionsOn(ctx, q, serverIDs)
	if err != nil {
		return nil, err
	}
	byOrg := map[int64]int{}
	var out []privacy.Affected
	for _, pl := range ps {
		i, ok := byOrg[pl.OrgID]
		if !ok {
			i = len(out)
			byOrg[pl.OrgID] = i
			out = append(out, privacy.Affected{OrgID: pl.OrgID})
		}
		if !slices.Contains(out[i].Subscriptions, pl.SubscriptionID) {
			out[i].Subscriptions = append(out[i].Subscriptions, pl.SubscriptionID)
		}
	}
	slices.SortFunc(out, func(a, b privacy.Affected) int { return int(a.OrgID - b.OrgID) })
	return out, nil
}

// PrivacyHolders is the one list of the packages' answers to "what do you hold about
// this person" and "anonymise this person" (privacy.Holder). A package with personal
// data adds its holder here; TestPrivacyGuard fails for a table with personal-looking
// columns that no holder covers and PrivacyExempt does not name.
func PrivacyHolders() []privacy.Holder {
	return append(holders.All(), newsletter.Holder{})
}

// PrivacyExempt are tables with personal-looking column names that hold no personal
// data, or personal data a holder cannot meaningfully export or anonymise, each with
// its reason. Extend it (with a reason) or, better, cover the table with a holder.
var PrivacyExempt = map[string]string{
	"api_tokens":               "name is the token's label chosen by the customer, not a person's name; tokens are revoked with the user",
	"catalog_plans":            "product data",
	"catalog_products":         "product data",
	"job_leases":               "name is a job name",
	"usage_fold":               "name is the fold's watermark name",
	"monitor_components":       "names of measured components",
	"monitor_locations":        "names of probe locations",
	"monitor_servers":          "names of the provider's servers",
	"provision_servers":        "names of the provider's servers",
	"provision_tasks":          "lease_holder names a hostpact instance",
	"schema_migrations":        "names of migrations",
	"subscriptions":            "name is the service (a plan or a domain name, itself public registry data kept with the contract)",
	"payment_statements":       "the provider's own bank account statement files",
	"privacy_subprocessors":    "companies, not persons",
	"privacy_breaches":         "contact is the provider's follow-up contact",
	"privacy_holds":            "no personal data (a customer id and a reason)",
	"privacy_activities":       "the register of processing: names of processing activities",
	"user_totp":                "secrets only, deleted with the user",
	"throttle_buckets":         "rate-limit counters that expire within hours",
	"throttle_events":          "rate-limit counters that expire within hours",
	"domain_registries":        "the registry's address and the provider's own registrar login",
	"domain_transfer_requests": "name is the domain name asked for, public registry data kept with the contract like subscriptions.name",
	"domains":                  "name is the domain name, public registry data kept with the contract like subscriptions.name; the registrant's contact lives at the registry under a handle",
	"dns_demo_rrsets":          "record names of the demo's stand-in DNS server (zone data, public in the DNS)",
	"dns_servers":              "names of the provider's nameservers",
	"dns_zones":                "name is the zone (a domain name, public in the DNS), kept with the domain or service it belongs to",
	"usage_services":           "name and plan_name are the service's and plan's names, usage figures belong to the service, not to a person",
	"backup_servers":           "names of the provider's backup servers",
	"backup_services":          "name is the service's name; the backed-up data themselves live in restic and go with the service's retention",
	"inbound_mailboxes":        "the provider's own mailboxes that hostpact polls",
	"files":                    "attachments belong to the record named by owner (a ticket, a case); that record's holder exports them and the retention rule enquiries deletes them with files.DeleteOwner",
}

// RetentionSources are the rules of the retention schedule (INTERPRETATION.md,
// Retention) the privacy job applies or links to.
func RetentionSources(clk clock.Clock) []privacy.RetentionSource {
	return privacyRetention(clk)
}
