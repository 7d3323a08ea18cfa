package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/status"
)

// ProbeLocations are the demo's simulated probe locations: the demo has no servers to
// measure, so SimulateProbes reports what three locations would see.
var ProbeLocations = []string{"ams1", "fra1", "lon1"}

// demoServer is a platform of the demo provider and the components it is measured by.
type demoServer struct {
	name, kind, location, description string
	components                        []demoComponent
}

type demoComponent struct {
	name, target string
	spec         probe.Spec
}

// The checks point at loopback ports nothing listens on: should someone run a real
// probe role against the demo, it measures nothing outside this machine.
func mailComponents(host string) []demoComponent {
	return []demoComponent{
		{"http", "", probe.Spec{Kind: probe.KindHTTP, URL: "http://" + host + "/", Address: "127.0.0.1:18080"}},
		{"https", "", probe.Spec{Kind: probe.KindHTTPS, URL: "https://" + host + "/", Address: "127.0.0.1:18443"}},
		{"mysql", "", probe.Spec{Kind: probe.KindMySQL, Address: "127.0.0.1:13306"}},
		{"pop3", "", probe.Spec{Kind: probe.KindPOP3, Address: "127.0.0.1:18110", Security: "starttls"}},
		{"imap", "", probe.Spec{Kind: probe.KindIMAP, Address: "127.0.0.1:18143", Security: "starttls"}},
		{"smtp", "", probe.Spec{Kind: probe.KindSMTP, Address: "127.0.0.1:18025", Security: "starttls"}},
		{"dns", "ns1", probe.Spec{Kind: probe.KindDNS, Zone: "cloudprovider.test", Address: "127.0.0.1:18053"}},
		{"dns", "ns2", probe.Spec{Kind: probe.KindDNS, Zone: "cloudprovider.test", Address: "127.0.0.1:18054"}},
	}
}

var demoServers = []demoServer{
	{"web01.ams", "webhosting", "Amsterdam", "Shared web hosting (Apache, PHP-FPM, MariaDB, Dovecot)", mailComponents("web01.cloudprovider.test")},
	{"mail01.ams", "email", "Amsterdam", "E-mail hosting", mailComponents("mail01.cloudprovider.test")},
	{"hv01.lwd", "vps", "Leeuwarden", "VPS hypervisor", []demoComponent{
		{"network", "", probe.Spec{Kind: probe.KindTCP, Address: "127.0.0.1:10022"}},
		{"platform", "", probe.Spec{Kind: probe.KindTCP, Address: "127.0.0.1:18006"}},
	}},
	{"vpn01.ams", "vpn", "Amsterdam", "WireGuard VPN", []demoComponent{
		{"wireguard", "", probe.Spec{Kind: probe.KindTCP, Address: "127.0.0.1:51820"}},
	}},
}

// serverFor says which demo server a subscription of a product kind runs on.
var serverFor = map[catalog.Kind]string{
	catalog.KindWebhosting: "web01.ams", catalog.KindHosting: "web01.ams", catalog.KindEmail: "mail01.ams",
	catalog.KindVPS: "hv01.lwd", catalog.KindVPN: "vpn01.ams",
}

// historyHours is how much measurement history the demo starts with.
const historyHours = 36

// seedMonitoring puts the demo's servers under measurement: servers and components,
// the demo subscriptions placed on them, a day and a half of results from three
// locations with yesterday's 107-minute IMAP outage on web01 (seen by two of three
// locations, so confirmed) and an afternoon of network trouble at one location (no
// outage), the automatic incident the outage opened, a staff incident about mail
// delivery that is still open, and planned maintenance next week. It runs once: a
// database with servers already is left alone.
func seedMonitoring(ctx context.Context, a *app.App, by accounts.Principal, subs []contracts.Subscription) error {
	if a.Monitor == nil {
		return nil
	}
	have, err := a.Monitor.Servers(ctx, by)
	if err != nil || len(have) > 0 {
		return err
	}
	now := a.Clock.Now().UTC().Truncate(time.Minute)
	start := now.Add(-historyHours * time.Hour)
	byName := map[string]monitor.Server{}
	var comps []monitor.Component
	for _, d := range demoServers {
		sv, err := a.Monitor.CreateServer(ctx, by, monitor.ServerInput{Name: d.name, Kind: d.kind, Location: d.location, Description: d.description})
		if err != nil {
			return fmt.Errorf("server %s: %w", d.name, err)
		}
		byName[d.name] = sv
		for _, c := range d.components {
			comp, err := a.Monitor.AddComponent(ctx, by, sv.ID, monitor.ComponentInput{Name: c.name, Target: c.target, Spec: c.spec, Interval: time.Minute})
			if err != nil {
				return fmt.Errorf("component %s of %s: %w", c.name, d.name, err)
			}
			// The history below is older than the component: evaluate it from its start.
			if err := a.Monitor.Reevaluate(ctx, by, comp.ID, start); err != nil {
				return err
			}
			comps = append(comps, comp)
		}
	}
	for _, sub := range subs {
		if name, ok := serverFor[sub.Kind]; ok {
			if err := a.Monitor.Place(ctx, by, sub.ID, sub.OrgID, byName[name].ID); err != nil {
				return fmt.Errorf("place subscription %d: %w", sub.ID, err)
			}
		}
	}

	// Yesterday 10:12 to 11:59 Amsterdam time, well inside the history.
	y := now.In(clock.Amsterdam).AddDate(0, 0, -1)
	outFrom := time.Date(y.Year(), y.Month(), y.Day(), 10, 12, 0, 0, clock.Amsterdam).UTC()
	outTo := outFrom.Add(107 * time.Minute)
	troubleFrom := time.Date(y.Year(), y.Month(), y.Day(), 14, 0, 0, 0, clock.Amsterdam).UTC()
	troubleTo := troubleFrom.Add(20 * time.Minute)
	web := byName["web01.ams"].ID
	for _, c := range comps {
		var rs []monitor.Result
		for at := start; !at.After(now); at = at.Add(time.Minute) {
			for _, loc := range ProbeLocations {
				r := monitor.Result{ComponentID: c.ID, Location: loc, At: at, OK: true, Latency: latency(c.ID, loc, at)}
				switch {
				case c.ServerID == web && c.Name == "imap" && loc != "lon1" && !at.Before(outFrom) && at.Before(outTo):
					r.OK, r.Reason = false, "probe.connect.refused"
				case c.ServerID == web && loc == "lon1" && !at.Before(troubleFrom) && at.Before(troubleTo):
					r.OK, r.Reason = false, "probe.timeout"
				}
				rs = append(rs, r)
			}
		}
		if err := a.Monitor.Record(ctx, rs); err != nil {
			return fmt.Errorf("results of component %d: %w", c.ID, err)
		}
	}
	if err := a.Monitor.Evaluate(ctx, now); err != nil {
		return err
	}
	if a.Status == nil {
		return nil
	}
	mail := byName["mail01.ams"].ID
	inc, err := a.Status.OpenIncident(ctx, by, status.IncidentInput{
		TitleNL:   "Vertraagde bezorging van inkomende e-mail",
		TitleEN:   "Incoming e-mail is delivered late",
		MessageNL: "Inkomende e-mail wordt met enkele minuten vertraging bezorgd. Er gaat geen e-mail verloren.",
		MessageEN: "Incoming e-mail arrives a few minutes late. No e-mail is lost.",
		Impact:    "minor", ServerIDs: []int64{mail},
	})
	if err != nil {
		return fmt.Errorf("incident: %w", err)
	}
	if _, err := a.Status.PostUpdate(ctx, by, inc.ID, status.UpdateInput{Status: "identified",
		MessageNL: "De oorzaak is een volle wachtrij van de spamfilter; we verwerken de achterstand.",
		MessageEN: "The cause is a full spam filter queue; we are working through the backlog."}); err != nil {
		return fmt.Errorf("incident update: %w", err)
	}
	// Next week's Tuesday, 06:00 to 07:00 Amsterdam time: well beyond the notice.
	d := now.In(clock.Amsterdam).AddDate(0, 0, 7)
	for d.Weekday() != time.Tuesday {
		d = d.AddDate(0, 0, 1)
	}
	from := time.Date(d.Year(), d.Month(), d.Day(), 6, 0, 0, 0, clock.Amsterdam)
	if _, err := a.Status.ScheduleMaintenance(ctx, by, status.MaintenanceInput{Kind: "planned",
		TitleNL:   "Onderhoud aan de mailserver",
		TitleEN:   "Maintenance of the mail server",
		MessageNL: "We installeren updates op mail01. E-mail kan tot een uur vertraagd binnenkomen; er gaat niets verloren.",
		MessageEN: "We install updates on mail01. E-mail may arrive up to an hour late; nothing is lost.",
		StartsAt:  from, EndsAt: from.Add(time.Hour), ServerIDs: []int64{mail},
	}); err != nil {
		return fmt.Errorf("maintenance: %w", err)
	}
	return nil
}

// latency is a believable, stable response time per component, location and minute.
func latency(comp int64, loc string, at time.Time) time.Duration {
	base := map[string]int64{"ams1": 4, "fra1": 9, "lon1": 14}[loc]
	return time.Duration(base+(comp*7+at.Unix()/60)%11) * time.Millisecond
}

// SimulateProbes reports, every minute until ctx ends, that the three demo locations
// found every enabled demo component up: the demo's stand-in for `hostpact serve
// --roles probe`, so the status page and the SLA figures stay current.
func SimulateProbes(ctx context.Context, a *app.App) error {
	if a.Monitor == nil {
		return nil
	}
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		now := a.Clock.Now().UTC().Truncate(time.Minute)
		var rs []monitor.Result
		for _, loc := range ProbeLocations {
			as, err := a.Monitor.Lease(ctx, loc, "demo-"+loc, 1000, now.Add(2*time.Minute))
			if err != nil {
				return err
			}
			for _, as := range as {
				rs = append(rs, monitor.Result{ComponentID: as.ComponentID, Location: loc, At: now, OK: true, Latency: latency(as.ComponentID, loc, now)})
			}
		}
		if err := a.Monitor.Record(ctx, rs); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
