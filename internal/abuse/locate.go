package abuse

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/hostpact/hostpact/internal/store"
)

// Findings of a target.
const (
	FindingService  = "service"  // a running (or suspended) service of a customer
	FindingContract = "contract" // a customer's subscription without a service in provisioning
	FindingServer   = "server"   // one of our servers, no single service
	FindingOffline  = "offline"  // it was ours; the service has ended
	FindingNotOurs  = "not_ours"
	FindingInvalid  = "invalid"
)

// Location is what a URL or address belongs to.
type Location struct {
	Host           string
	Finding        string
	OrgID          int64
	ServiceID      int64
	SubscriptionID int64
}

// Ours reports whether a customer of ours is concerned.
func (l Location) Ours() bool { return l.Finding == FindingService || l.Finding == FindingContract }

// Locator looks a URL, hostname or IP address up to the service and customer it
// belongs to (INTERPRETATION step 2), in the caller's transaction.
type Locator interface {
	Locate(ctx context.Context, q store.Querier, target string) (Location, error)
}

// HostOf returns the lower-case host of a URL, hostname or IP address, or "".
func HostOf(target string) string {
	t := strings.TrimSpace(target)
	if t == "" || len(t) > 2048 {
		return ""
	}
	if a, err := netip.ParseAddr(strings.Trim(t, "[]")); err == nil {
		return a.Unmap().String()
	}
	if !strings.Contains(t, "://") {
		t = "http://" + t
	}
	u, err := url.Parse(t)
	if err != nil || u.Hostname() == "" {
		return ""
	}
	h := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().String()
	}
	if !strings.Contains(h, ".") || strings.ContainsAny(h, " _/\\@") {
		return ""
	}
	return h
}

// SQLLocator looks targets up in what hostpact already knows: the domains of
// provisioned services (provision_services.domain), their connection details (a
// VPS's address), the servers' endpoints, and the domains of subscriptions
// (contracts). It reads those packages' tables and writes nothing. A future domains
// package should offer a lookup of registered domains and their DNS records (the
// A/AAAA addresses of a zone hosted here) and replace the details scan.
type SQLLocator struct{}

// Locate finds the service or subscription a target belongs to.
func (SQLLocator) Locate(ctx context.Context, q store.Querier, target string) (Location, error) {
	host := HostOf(target)
	if host == "" {
		return Location{Finding: FindingInvalid}, nil
	}
	loc := Location{Host: host, Finding: FindingNotOurs}
	if _, err := netip.ParseAddr(host); err == nil {
		return locateIP(ctx, q, loc)
	}
	// www.shop.example.nl → www.shop.example.nl, shop.example.nl, example.nl: a host
	// under a customer's domain is the customer's.
	var names []string
	for h := host; strings.Contains(h, "."); h = h[strings.Index(h, ".")+1:] {
		names = append(names, h)
	}
	for _, name := range names {
		var state string
		err := q.QueryRowContext(ctx, `SELECT id, org_id, subscription_id, state FROM provision_services WHERE domain = $1
			ORDER BY CASE WHEN state IN ('terminated', 'deleted') THEN 1 ELSE 0 END, id DESC LIMIT 1`, name).
			Scan(&loc.ServiceID, &loc.OrgID, &loc.SubscriptionID, &state)
		if err == nil {
			loc.Finding = FindingService
			if state == "terminated" || state == "deleted" {
				loc.Finding = FindingOffline
			}
			return loc, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Location{}, err
		}
		var status string
		err = q.QueryRowContext(ctx, `SELECT id, org_id, status FROM subscriptions WHERE domain = $1 ORDER BY id DESC LIMIT 1`, name).
			Scan(&loc.SubscriptionID, &loc.OrgID, &status)
		if err == nil {
			loc.Finding = FindingContract
			if status == "ended" || status == "withdrawn" || status == "cancelled" {
				loc.Finding = FindingOffline
			}
			return loc, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return Location{}, err
		}
	}
	return loc, nil
}

// locateIP finds a service whose connection details name the address (a VPS's host),
// else a server whose endpoint is at it.
func locateIP(ctx context.Context, q store.Querier, loc Location) (Location, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, subscription_id, state, details FROM provision_services WHERE details LIKE $1`, "%"+loc.Host+"%")
	if err != nil {
		return Location{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var id, org, sub int64
		var state, details string
		if err := rows.Scan(&id, &org, &sub, &state, &details); err != nil {
			return Location{}, err
		}
		var d map[string]string
		if json.Unmarshal([]byte(details), &d) != nil {
			continue
		}
		for _, v := range d {
			if hostPart(v) == loc.Host {
				loc.ServiceID, loc.OrgID, loc.SubscriptionID, loc.Finding = id, org, sub, FindingService
				if state == "terminated" || state == "deleted" {
					loc.Finding = FindingOffline
				}
				return loc, nil
			}
		}
	}
	if err := rows.Err(); err != nil {
		return Location{}, err
	}
	rows.Close()
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM provision_servers WHERE endpoint LIKE $1`, "%"+loc.Host+"%").Scan(&n); err != nil {
		return Location{}, err
	}
	if n > 0 {
		loc.Finding = FindingServer
	}
	return loc, nil
}

func hostPart(v string) string {
	if h, _, err := net.SplitHostPort(v); err == nil {
		v = h
	}
	if a, err := netip.ParseAddr(strings.Trim(v, "[]")); err == nil {
		return a.Unmap().String()
	}
	return ""
}
