package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/newsletter"
)

// seedNewsletter gives the newsletter pages something to show: the demo customers
// subscribed by their orders (one ticked the box that says no), a reader who signed up
// on the public form and confirmed, one who unsubscribed from the mail, and last
// month's newsletter, queued to every subscriber. It runs once: a database with a
// newsletter already is left alone.
func seedNewsletter(ctx context.Context, a *app.App) error {
	if a.Newsletter == nil {
		return nil
	}
	sales := accounts.Principal{User: accounts.User{ID: -1, Email: staff[1].email, Roles: []accounts.Role{accounts.RoleSales}}}
	if u, err := a.Accounts.FindUserByEmail(ctx, staff[1].email); err == nil {
		sales = accounts.Principal{User: u}
	}
	have, err := a.Newsletter.List(ctx, sales, 0, 1)
	if err != nil || len(have) > 0 {
		return err
	}
	for _, c := range []newsletter.OrderConsent{
		{Email: "jan@devries.test", Name: "Jan de Vries", Lang: "nl", IP: "192.0.2.21", Order: "demo-order-consumer"},
		{Email: "marieke@bakkerijjansen.test", Name: "Marieke Jansen", Lang: "nl", IP: "192.0.2.22", Order: "demo-order-business"},
		{Email: "info@webbouwers.test", Name: "Lotte Bakker", Lang: "en", IP: "192.0.2.23", Order: "demo-order-reseller"},
		{Email: "henk@fietsenpietersen.test", OptOut: true, IP: "192.0.2.24", Order: "demo-order-reseller-customer"},
	} {
		if u, err := a.Accounts.FindUserByEmail(ctx, c.Email); err == nil {
			c.OrgID = u.OrgID
		}
		if err := a.Newsletter.SubscribeAtOrderTx(ctx, c); err != nil {
			return fmt.Errorf("newsletter at order: %w", err)
		}
	}
	// A reader from the public form: the sign-up, then the confirmation link.
	if err := a.Newsletter.SignUp(ctx, "lezer@nieuwsgierig.test", "nl", "198.51.100.30"); err != nil {
		return err
	}
	var confirm string
	if err := a.DB.QueryRowContext(ctx, `SELECT body_text FROM mail_outbox WHERE to_addr = 'lezer@nieuwsgierig.test' ORDER BY id DESC LIMIT 1`).Scan(&confirm); err != nil {
		return err
	}
	if t := tokenAfter(confirm, newsletter.ConfirmPath+"?t="); t != "" {
		if err := a.Newsletter.Confirm(ctx, t, "198.51.100.30"); err != nil {
			return err
		}
	}
	n, err := a.Newsletter.Create(ctx, sales, newsletter.DraftInput{
		SubjectNL: "Nieuws van Cloud Provider: back-ups per uur en gepland onderhoud",
		BodyNL: "Beste klant,\n\nVanaf deze maand maken we van elke VPS met back-ups elk uur een back-up, zonder meerprijs.\n\n" +
			"Op dinsdag 15 december tussen 01:00 en 03:00 vervangen we de opslag in Amsterdam. Je diensten blijven bereikbaar; de actuele stand staat op de statuspagina.\n\nMet vriendelijke groet,\nCloud Provider",
		SubjectEN: "News from Cloud Provider: hourly backups and planned maintenance",
		BodyEN: "Dear customer,\n\nFrom this month on, every VPS with backups is backed up every hour, at no extra cost.\n\n" +
			"On Tuesday 15 December between 01:00 and 03:00 we replace the storage in Amsterdam. Your services stay reachable; the current state is on the status page.\n\nKind regards,\nCloud Provider",
	})
	if err != nil {
		return err
	}
	if err := a.Newsletter.Send(ctx, sales, n.ID); err != nil {
		return err
	}
	if _, err := a.Newsletter.SendPending(ctx); err != nil {
		return err
	}
	// Lotte unsubscribed with the one click in her mail client.
	var lu string
	if err := a.DB.QueryRowContext(ctx, `SELECT list_unsubscribe FROM mail_outbox WHERE to_addr = 'info@webbouwers.test' AND list_unsubscribe <> '' ORDER BY id DESC LIMIT 1`).Scan(&lu); err != nil {
		return err
	}
	if t := tokenAfter(lu, newsletter.UnsubscribePath+"?t="); t != "" {
		return a.Newsletter.Unsubscribe(ctx, t, newsletter.MethodOneClick, "mail client")
	}
	return nil
}

// tokenAfter is the token that follows marker in text, up to white space.
func tokenAfter(text, marker string) string {
	_, rest, ok := strings.Cut(text, marker)
	if !ok {
		return ""
	}
	for i, r := range rest {
		if r == ' ' || r == '\n' || r == '\r' || r == '>' {
			return rest[:i]
		}
	}
	return rest
}
