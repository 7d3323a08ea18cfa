package app

import (
	"context"
	"net"
	"strings"

	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/support"
	"github.com/hostpact/hostpact/internal/terms"
)

// DeskAddress is the configured address of a desk ("support", "abuse", "security"),
// or the desk's name at the domain of the provider's published address.
func (a *App) DeskAddress(desk string) string {
	var v string
	switch desk {
	case "support":
		v = a.Config.Inbound.Support
	case "abuse":
		v = a.Config.Inbound.Abuse
	case "security":
		v = a.Config.Inbound.Security
	}
	if v != "" {
		return strings.ToLower(v)
	}
	return desk + "@" + deskDomain(a.Pack)
}

// deskDomain is the domain of the provider's own e-mail, where its desks receive mail.
func deskDomain(pack *terms.Pack) string {
	if pack != nil {
		if _, d, ok := strings.Cut(pack.Provider.Email, "@"); ok {
			return strings.ToLower(d)
		}
	}
	return "localhost"
}

func (a *App) buildSupport(pack *terms.Pack) {
	a.Inbound = inbound.NewRouter()
	a.Receiver = &inbound.Receiver{DB: a.DB, Clock: a.Clock, Router: a.Inbound, Limits: inbound.DefaultLimits, Logger: a.Logger,
		Own: []string{a.Config.SMTP.From}}
	alert := ""
	if len(a.Config.Alerts.Mail) > 0 {
		alert = a.Config.Alerts.Mail[0]
	}
	a.Support = support.New(a.DB, a.Clock, support.Deps{Pack: pack, Users: a.Accounts, Address: a.DeskAddress("support"), AlertTo: alert,
		PortalURL: a.Config.URL(), Logger: a.Logger})
	a.Inbound.Handle(a.Support.Address(), a.Support)
	// Objections to a subprocessor by e-mail reply (cp.dpa.6.2, fo.dpa.2.2).
	a.Inbound.Handle(a.DeskAddress("privacy"), a.Privacy.MailHandler())
}

func (a *App) registerSupportJobs(r *jobs.Runner) {
	r.Register(a.Support.AlertJob())
	r.Register((&inbound.Poller{Receiver: a.Receiver, Keys: a.Config.Keys}).Job())
}

// serveInbound starts the SMTP/LMTP listener the provider's mail server delivers to,
// with the jobs role, when HOSTPACT_INBOUND_LISTEN names an address. It stops with ctx.
func (a *App) serveInbound(ctx context.Context) error {
	if a.Config.Inbound.Listen == "" || !a.Config.Has("jobs") {
		return nil
	}
	l, err := net.Listen("tcp", a.Config.Inbound.Listen)
	if err != nil {
		return err
	}
	ln := &inbound.Listener{Receiver: a.Receiver, LMTP: a.Config.Inbound.LMTP}
	go func() {
		if err := ln.Serve(l); err != nil {
			a.Logger.Warn("inbound listener stopped", "err", err)
		}
	}()
	go func() {
		<-ctx.Done()
		_ = ln.Close()
	}()
	a.Logger.Info("inbound mail listener", "addr", l.Addr().String(), "lmtp", a.Config.Inbound.LMTP)
	return nil
}
