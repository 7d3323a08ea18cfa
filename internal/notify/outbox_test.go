package notify_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

func TestEnqueueValidatesAndNormalises(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		id := enqueue(t, db, notify.Message{OrgID: 7, To: "Sanne de Vries <sanne@klant.test>", Lang: "de", Subject: "Welkom", Text: "Hallo"})
		ms, err := notify.List(ctx, db, 7, 0, 0)
		if err != nil || len(ms) != 1 || ms[0].ID != id {
			t.Fatalf("List(org 7) = %+v, %v", ms, err)
		}
		m := ms[0]
		if m.To != "sanne@klant.test" || m.Lang != "nl" || m.Status != "pending" || !m.CreatedAt.Equal(t0) || m.CreatedAt.Location().String() != "UTC" {
			t.Fatalf("stored %+v", m)
		}
		if ms, _ := notify.List(ctx, db, 8, 0, 0); len(ms) != 0 {
			t.Fatalf("List(org 8) = %+v", ms)
		}
		for name, bad := range map[string]notify.Message{
			"bad address":        {To: "sanne@", Subject: "s", Text: "t"},
			"no subject":         {To: "a@b.test", Subject: " ", Text: "t"},
			"no text":            {To: "a@b.test", Subject: "s"},
			"two-line subject":   {To: "a@b.test", Subject: "s\r\nBcc: x@y.test", Text: "t"},
			"two-line recipient": {To: "a@b.test", ToName: "A\nBcc: x@y.test", Subject: "s", Text: "t"},
		} {
			if _, err := notify.Enqueue(ctx, db, t0, bad); err == nil {
				t.Errorf("%s: accepted", name)
			}
		}
	}, notify.Schema)
}

var mailFS = fstest.MapFS{
	"cancelled.nl.txt": {Data: []byte("Subject: Bevestiging opzegging – {{.Service}}\n\nBeste {{.Name}},\n\nUw opzegging van {{.Service}} is ontvangen.\n")},
	"cancelled.en.txt": {Data: []byte("Subject: Cancellation confirmed – {{.Service}}\r\n\r\nDear {{.Name}},\r\n")},
	"reset.nl.txt":     {Data: []byte("Subject: Wachtwoord opnieuw instellen\n\nGebruik deze link: {{.Link}}\n")},
	"broken.nl.txt":    {Data: []byte("Geen onderwerpregel\n\nTekst\n")},
	"syntax.nl.txt":    {Data: []byte("Subject: {{.Name\n")},
	"invite.nl.txt":    {Data: []byte("Subject: Welkom bij {{.Name}}.\n\nEr is een account voor u aangemaakt bij {{.Name}}.\n")},
}

func TestTemplatesRender(t *testing.T) {
	tpl := notify.NewTemplates(mailFS)
	data := map[string]string{"Name": "Sanne", "Service": "VPS Large", "Link": "https://portal.test/r/abc"}
	cases := []struct {
		name, tmpl, lang string
		data             any // nil: the full data
		subject, body    string
		errWith          string
	}{
		{name: "dutch", tmpl: "cancelled", lang: "nl", subject: "Bevestiging opzegging – VPS Large", body: "Beste Sanne,\n\nUw opzegging van VPS Large is ontvangen.\n"},
		{name: "english with CRLF", tmpl: "cancelled", lang: "en", subject: "Cancellation confirmed – VPS Large", body: "Dear Sanne,\r\n"},
		{name: "unknown language is Dutch", tmpl: "cancelled", lang: "de", subject: "Bevestiging opzegging – VPS Large"},
		{name: "English missing falls back to Dutch", tmpl: "reset", lang: "en", subject: "Wachtwoord opnieuw instellen", body: "Gebruik deze link: https://portal.test/r/abc\n"},
		{name: "missing key", tmpl: "cancelled", lang: "nl", data: map[string]string{"Name": "Sanne"}, errWith: "Service"},
		{name: "no subject line", tmpl: "broken", lang: "nl", errWith: `must start with "Subject: "`},
		{name: "no such template", tmpl: "nope", lang: "en", errWith: "template nope"},
		{name: "syntax error", tmpl: "syntax", lang: "nl", errWith: "template syntax"},
		{name: "a name ending in B.V. ends a sentence with one dot", tmpl: "invite", lang: "nl", data: map[string]string{"Name": "Cloudprovider B.V."},
			subject: "Welkom bij Cloudprovider B.V.", body: "Er is een account voor u aangemaakt bij Cloudprovider B.V.\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := tc.data
			if d == nil {
				d = data
			}
			subject, body, err := tpl.Render(tc.tmpl, tc.lang, d)
			if tc.errWith != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errWith) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.errWith)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if subject != tc.subject {
				t.Errorf("subject = %q, want %q", subject, tc.subject)
			}
			if tc.body != "" && body != tc.body {
				t.Errorf("body = %q, want %q", body, tc.body)
			}
		})
	}
}

func TestEnqueueManyAsEnqueueOneByOne(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		enqueue(t, db, notify.Message{DedupeKey: "k1", OrgID: 1, To: "a@klant.test", Subject: "Eerder", Text: "Al verstuurd"})
		ms := []notify.Message{
			{DedupeKey: "k1", OrgID: 1, To: "a@klant.test", Subject: "Dubbel", Text: "Niet opnieuw"},
			{DedupeKey: "k2", OrgID: 2, To: "Bea <b@klant.test>", Lang: "en", Subject: "Invoice", Text: "Body"},
			{OrgID: 3, To: "c@klant.test", Subject: "Zonder sleutel", Text: "Tekst"},
		}
		n, err := notify.EnqueueMany(ctx, db, t0, ms)
		if err != nil || n != 2 {
			t.Fatalf("EnqueueMany = %d, %v; want 2 (k1 already queued)", n, err)
		}
		for org, want := range map[int64]string{1: "Eerder", 2: "Invoice", 3: "Zonder sleutel"} {
			got, err := notify.List(ctx, db, org, 0, 0)
			if err != nil || len(got) != 1 || got[0].Subject != want || !got[0].CreatedAt.Equal(t0) {
				t.Fatalf("org %d: %+v, %v; want one mail %q", org, got, err, want)
			}
		}
		if got, _ := notify.List(ctx, db, 2, 0, 0); got[0].To != "b@klant.test" || got[0].Lang != "en" {
			t.Fatalf("not normalised as Enqueue does: %+v", got[0])
		}
		// One bad message refuses the call before anything is written.
		_, err = notify.EnqueueMany(ctx, db, t0, []notify.Message{{OrgID: 4, To: "d@klant.test", Subject: "s", Text: "t"}, {OrgID: 4, To: "x@", Subject: "s", Text: "t"}})
		if got, _ := notify.List(ctx, db, 4, 0, 0); err == nil || len(got) != 0 {
			t.Fatalf("a bad message: err %v, %d queued", err, len(got))
		}
	}, notify.Schema)
}
