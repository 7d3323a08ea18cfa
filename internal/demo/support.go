package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/support"
)

// seedSupport fills the support desk with a few believable tickets: a complaint that
// came in by mail (its 5-werkdagen clock running, cp.av.17.1), a change request from the
// portal (cp.sla.change.1), a question that waits for the customer after staff asked
// something back, and canned replies in both languages. A second Seed finds the
// tickets and adds nothing.
func seedSupport(ctx context.Context, a *app.App) error {
	if a.Support == nil {
		return nil
	}
	admin, err := a.Accounts.FindUserByEmail(ctx, staff[0].email)
	if err != nil {
		return fmt.Errorf("demo staff: %w", err)
	}
	by := accounts.Principal{User: admin}
	if ts, _, err := a.Support.List(ctx, by, support.Filter{Limit: 1}); err != nil || len(ts) > 0 {
		return err
	}
	customer := func(email string) (accounts.Principal, error) {
		u, err := a.Accounts.FindUserByEmail(ctx, email)
		if err != nil {
			return accounts.Principal{}, err
		}
		org, err := a.Accounts.GetOrganisation(ctx, by, u.OrgID)
		if err != nil {
			return accounts.Principal{}, err
		}
		return accounts.Principal{User: u, Org: &org}, nil
	}
	mail := func(raw string) error {
		m, err := inbound.Parse([]byte(strings.ReplaceAll(raw, "\n", "\r\n")), inbound.DefaultLimits)
		if err != nil {
			return err
		}
		m.Recipient = a.Support.Address()
		return a.Support.HandleMail(ctx, m)
	}
	to := a.Support.Address()
	if err := mail("From: Marieke Jansen <marieke@bakkerijjansen.test>\nTo: " + to + "\nSubject: Klacht: webshop was gisteren twee uur onbereikbaar\nMessage-ID: <demo-klacht-1@bakkerijjansen.test>\n\n" +
		"Beste klantenservice,\n\nGisteren tussen 10:00 en 12:00 was onze webshop niet bereikbaar, midden in de drukste uren. Er is niets over aangekondigd. Ik wil dit als klacht indienen en hoor graag wat er is gebeurd en wat jullie eraan doen.\n\nMet vriendelijke groet,\nMarieke Jansen\nBakkerij Jansen B.V."); err != nil {
		return fmt.Errorf("demo complaint: %w", err)
	}
	jan, err := customer("jan@devries.test")
	if err != nil {
		return err
	}
	if _, err := a.Support.Open(ctx, jan, support.OpenInput{OrgID: jan.Org.ID, Category: support.ChangeRequest, Subject: "PHP-versie van mijn website naar 8.3",
		Body:   "Kunnen jullie de PHP-versie van devries.test ophogen naar 8.3? Het liefst op een doordeweekse avond.",
		Fields: map[string]string{"service": "webhosting devries.test", "change": "PHP 8.2 naar 8.3", "wanted_by": "eind volgende week"}}); err != nil {
		return fmt.Errorf("demo change request: %w", err)
	}
	if err := mail("From: Jan de Vries <jan@devries.test>\nTo: " + to + "\nSubject: Mail komt niet aan op mijn telefoon\nMessage-ID: <demo-vraag-1@devries.test>\n\n" +
		"Sinds vanochtend komt er geen mail meer binnen op mijn telefoon. Op de computer werkt het wel."); err != nil {
		return fmt.Errorf("demo question: %w", err)
	}
	ts, _, err := a.Support.List(ctx, by, support.Filter{Category: support.Question, Limit: 1})
	if err != nil || len(ts) == 0 {
		return err
	}
	if _, err := a.Support.Reply(ctx, by, ts[0].ID, support.ReplyInput{Body: "Beste Jan,\n\nWelke app gebruik je op je telefoon, en welke foutmelding zie je? Dan kijken we met je mee.\n\nGroet, de klantenservice",
		Status: support.StatusWaiting}); err != nil {
		return fmt.Errorf("demo reply: %w", err)
	}
	for _, c := range []support.Canned{
		{Lang: "nl", Title: "Meer informatie nodig", Body: "Dank voor je bericht. Om je goed te helpen hebben we nog wat informatie nodig: om welke dienst gaat het, en wat zie je precies (een foutmelding of schermafbeelding helpt)?"},
		{Lang: "en", Title: "More information needed", Body: "Thank you for your message. To help you well we need a little more: which service is it about, and what exactly do you see (an error message or screenshot helps)?"},
		{Lang: "nl", Title: "Wijzigingsverzoek: voorstel volgt", Body: "We hebben je wijzigingsverzoek ontvangen. We sturen je een voorstel met inhoud, planning en eventuele kosten; pas als je daarmee akkoord bent, voeren we de wijziging uit."},
		{Lang: "en", Title: "Change request: proposal follows", Body: "We received your change request. We will send you a proposal with its content, planning and any cost; we make the change only once you agree to it."},
	} {
		if err := a.Support.SaveCanned(ctx, by, c); err != nil {
			return fmt.Errorf("demo canned reply: %w", err)
		}
	}
	return nil
}
