package documents

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	t0      = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	today   = terms.D(2026, 3, 2)
	sales   = accounts.Principal{User: accounts.User{ID: 1, Email: "sales@example.test", Roles: []accounts.Role{accounts.RoleSales}}}
	privacy = accounts.Principal{User: accounts.User{ID: 2, Email: "privacy@example.test", Roles: []accounts.Role{accounts.RolePrivacy}}}
	billing = accounts.Principal{User: accounts.User{ID: 3, Email: "billing@example.test", Roles: []accounts.Role{accounts.RoleBilling}}}
	client  = accounts.Principal{User: accounts.User{ID: 4, OrgID: 7, OrgAdmin: true, Email: "c@example.test"},
		Org: &accounts.Organisation{ID: 7, Kind: accounts.Consumer}}
)

const termsNL = `# Algemene voorwaarden {#voorwaarden.algemeen}

## Artikel 13 Opzegging {#voorwaarden.artikel-13}

Een consument zegt na de eerste verlenging op met een termijn van een maand. {#cp.av.13.2}

Een zakelijke klant zegt op met een termijn van twee maanden tegen het einde van de looptijd. {#cp.av.13.3}
`

func newService(t *testing.T, db *store.DB) (*Service, *clock.Fake) {
	t.Helper()
	clk := clock.NewFake(t0)
	return New(db, clk, Config{BaseURL: "https://portal.example/"}), clk
}

var ctx = audit.WithActor(context.Background(), audit.System("test"))

func input(k Kind, version, lang string, eff terms.Date, body string) Input {
	return Input{Kind: k, Version: version, Lang: lang, Title: "Algemene voorwaarden", Body: body, EffectiveOn: eff}
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func problem(t *testing.T, err error, field, key string) {
	t.Helper()
	var bad Invalid
	if !errors.As(err, &bad) {
		t.Fatalf("want Invalid{%s: %s}, got %v", field, key, err)
	}
	if bad[field].Key != key {
		t.Fatalf("want %s: %s, got %v", field, key, bad)
	}
}

func TestPublishAndRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db)
		v, err := svc.Publish(ctx, sales, input(Terms, "2026-03-02", "nl", today, strings.ReplaceAll(termsNL, "\n", "\r\n")), "")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(v.Body, "\r") || !v.Verify() || len(v.Hash) != 64 || v.PublishedByLabel != "sales@example.test" {
			t.Fatalf("published: %+v", v)
		}
		if v.Hash != ContentHash(input(Terms, "2026-03-02", "nl", today, termsNL)) {
			t.Fatal("the hash is not that of the normalised text")
		}
		en := input(Terms, "2026-03-02", "en", today, "# General terms\n\nA business cancels with two months' notice. {#cp.av.13.3}\n")
		en.Title = "General terms"
		if _, err := svc.Publish(ctx, sales, en, ""); err != nil {
			t.Fatal(err)
		}

		cur, fallback, err := svc.Current(ctx, Terms, "nl", today)
		if err != nil || fallback || cur.ID != v.ID || cur.Body != termsNL {
			t.Fatalf("current nl: %+v %v %v", cur, fallback, err)
		}
		got, fallback, err := svc.Get(ctx, Terms, "2026-03-02", "en")
		if err != nil || fallback || got.Title != "General terms" {
			t.Fatalf("get en: %+v %v %v", got, fallback, err)
		}
		if _, _, err := svc.Current(ctx, Terms, "nl", today.AddDays(-1)); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("before its effective date: %v", err)
		}
		ref, err := svc.InForce(ctx, Terms, "nl", today)
		if err != nil || ref.ID != v.ID || ref.Hash != v.Hash || ref.URL != "https://portal.example/terms/v/2026-03-02?lang=nl" {
			t.Fatalf("in force: %+v %v", ref, err)
		}
		hist, err := svc.History(ctx, Terms)
		if err != nil || len(hist) != 2 {
			t.Fatalf("history: %d %v", len(hist), err)
		}
		trail, err := audit.List(context.Background(), db, audit.Filter{Action: "document.publish"})
		if err != nil || len(trail) != 2 || !strings.Contains(trail[len(trail)-1].Summary, v.Hash) {
			t.Fatalf("audit: %+v %v", trail, err)
		}
	}, audit.Schema, Schema)
}

// A published version is never changed: publishing it again is refused, and a new
// version takes over only from its own effective date.
func TestPublishedVersionsAreImmutable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, clk := newService(t, db)
		v1, err := svc.Publish(ctx, sales, input(Terms, "1", "nl", today, termsNL), "")
		if err != nil {
			t.Fatal(err)
		}
		entries := count(t, db, "audit_entries")
		_, err = svc.Publish(ctx, sales, input(Terms, "1", "nl", today, termsNL+"\nNog een zin.\n"), "")
		problem(t, err, "version", ProblemVersionExists)
		if count(t, db, "document_versions") != 1 || count(t, db, "audit_entries") != entries {
			t.Fatal("a refused publication changed something")
		}
		again, err := svc.ByID(context.Background(), v1.ID)
		if err != nil || again != v1 {
			t.Fatalf("version 1 changed: %+v %v", again, err)
		}

		later := today.AddDays(30)
		v2, err := svc.Publish(ctx, sales, input(Terms, "2", "nl", later, termsNL+"\nArtikel 14 is nieuw. {#cp.av.14.1}\n"), "")
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			on   terms.Date
			want int64
		}{{today, v1.ID}, {later.AddDays(-1), v1.ID}, {later, v2.ID}, {later.AddDays(400), v2.ID}} {
			cur, _, err := svc.Current(ctx, Terms, "nl", tc.on)
			if err != nil || cur.ID != tc.want {
				t.Errorf("in force on %s: %d %v, want %d", tc.on, cur.ID, err, tc.want)
			}
		}
		// No going back: not before today, not before the version already announced.
		clk.Set(t0.Add(48 * time.Hour))
		_, err = svc.Publish(ctx, sales, input(Terms, "3", "nl", today, termsNL), "")
		problem(t, err, "effective_on", ProblemEffectivePast)
		_, err = svc.Publish(ctx, sales, input(Terms, "3", "nl", later.AddDays(-1), termsNL), "")
		problem(t, err, "effective_on", ProblemEffectiveEarly)
		// A translation shares its version's effective date.
		_, err = svc.Publish(ctx, sales, input(Terms, "2", "en", later.AddDays(1), termsNL), "")
		problem(t, err, "effective_on", ProblemVersionDate)
		if count(t, db, "document_versions") != 2 {
			t.Fatal("refused publications were stored")
		}
	}, audit.Schema, Schema)
}

func TestPublishNeedsTheRight(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db)
		for _, by := range []accounts.Principal{billing, client} {
			if _, err := svc.Publish(ctx, by, input(Privacy, "1", "nl", today, "Tekst.\n"), ""); !errors.Is(err, accounts.ErrForbidden) {
				t.Errorf("%s publishes: %v", by.User.Email, err)
			}
			if _, err := svc.Preview(ctx, by, input(Privacy, "1", "nl", today, "Tekst.\n")); !errors.Is(err, accounts.ErrForbidden) {
				t.Errorf("%s previews: %v", by.User.Email, err)
			}
			if _, err := svc.List(ctx, by); !errors.Is(err, accounts.ErrForbidden) {
				t.Errorf("%s lists: %v", by.User.Email, err)
			}
		}
		if _, err := svc.Publish(ctx, privacy, input(Privacy, "1", "nl", today, "Tekst.\n"), ""); err != nil {
			t.Fatalf("privacy officer: %v", err)
		}
		if n := count(t, db, "document_versions"); n != 1 {
			t.Fatalf("%d versions", n)
		}
	}, audit.Schema, Schema)
}

func TestPublishRefusesBadInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db)
		ok := input(Terms, "2026-03-02", "nl", today, termsNL)
		for _, tc := range []struct {
			name         string
			edit         func(*Input)
			field, probl string
		}{
			{"kind", func(in *Input) { in.Kind = "cookies" }, "kind", ProblemKind},
			{"lang", func(in *Input) { in.Lang = "de" }, "lang", ProblemLang},
			{"version", func(in *Input) { in.Version = "../etc" }, "version", ProblemVersionFormat},
			{"title", func(in *Input) { in.Title = "  " }, "title", ProblemTitle},
			{"empty", func(in *Input) { in.Body = " \r\n " }, "body", ProblemBodyEmpty},
			{"long", func(in *Input) { in.Body = strings.Repeat("a", MaxBody+1) }, "body", ProblemBodyLong},
			{"control", func(in *Input) { in.Body = "tekst\x00" }, "body", ProblemBodyText},
			{"malformed clause", func(in *Input) { in.Body = "Tekst. {#CP AV}\n" }, "body", ProblemClauseMalformed},
			{"malformed clause 2", func(in *Input) { in.Body = "Tekst. {#cp_av_1}\n" }, "body", ProblemClauseMalformed},
			{"clause twice", func(in *Input) { in.Body = "Een. {#cp.av.1.1}\n\nTwee. {#cp.av.1.1}\n" }, "body", ProblemClauseTwice},
			{"no date", func(in *Input) { in.EffectiveOn = terms.Date{} }, "effective_on", ProblemEffectiveNone},
			{"past", func(in *Input) { in.EffectiveOn = today.AddDays(-1) }, "effective_on", ProblemEffectivePast},
		} {
			in := ok
			tc.edit(&in)
			_, err := svc.Publish(ctx, sales, in, "")
			problem(t, err, tc.field, tc.probl)
			_, err = svc.Preview(ctx, sales, in)
			problem(t, err, tc.field, tc.probl)
		}
		if count(t, db, "document_versions") != 0 || count(t, db, "audit_entries") != 0 {
			t.Fatal("bad input changed something")
		}
	}, audit.Schema, Schema)
}

// What staff confirmed after the preview is what is published.
func TestPublishChecksThePreviewedHash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db)
		in := input(Terms, "1", "nl", today, termsNL)
		d, err := svc.Preview(ctx, sales, in)
		if err != nil {
			t.Fatal(err)
		}
		if d.Previous != nil || strings.Join(d.Clauses, " ") != "voorwaarden.algemeen voorwaarden.artikel-13 cp.av.13.2 cp.av.13.3" || !strings.Contains(d.HTML, `<p id="cp.av.13.3">`) {
			t.Fatalf("draft: %+v", d)
		}
		changed := in
		changed.Body += "\nStilletjes toegevoegd.\n"
		_, err = svc.Publish(ctx, sales, changed, d.Hash)
		problem(t, err, "body", ProblemChanged)
		v, err := svc.Publish(ctx, sales, in, d.Hash)
		if err != nil || v.Hash != d.Hash {
			t.Fatalf("publish: %+v %v", v, err)
		}
		d2, err := svc.Preview(ctx, sales, input(Terms, "2", "nl", today.AddDays(40), termsNL))
		if err != nil || d2.Previous == nil || d2.Previous.ID != v.ID {
			t.Fatalf("second draft's previous: %+v %v", d2.Previous, err)
		}
	}, audit.Schema, Schema)
}

func TestCurrentFallsBackToTheOtherLanguage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db)
		v, err := svc.Publish(ctx, privacy, input(Privacy, "1", "nl", today, "Wij bewaren serverlogs een maand. {#cp.privacy.serverlogs.1}\n"), "")
		if err != nil {
			t.Fatal(err)
		}
		cur, fallback, err := svc.Current(ctx, Privacy, "en", today)
		if err != nil || !fallback || cur.ID != v.ID {
			t.Fatalf("en reader: %+v %v %v", cur, fallback, err)
		}
		if _, _, err := svc.Get(ctx, Privacy, "2", "en"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("unknown version: %v", err)
		}
		if _, err := svc.InForce(ctx, SLA, "nl", today); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("unpublished kind: %v", err)
		}
	}, audit.Schema, Schema)
}

func TestRecordShown(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		svc, _ := newService(t, db)
		published := map[Kind]Version{}
		for _, k := range []Kind{Terms, Withdrawal, DPA} {
			in := input(k, "1", "nl", today, "Tekst van "+string(k)+".\n")
			v, err := svc.Publish(ctx, sales, in, "")
			if err != nil {
				t.Fatal(err)
			}
			published[k] = v
		}
		record := func(contractID int64, consumer bool) []Ref {
			var refs []Ref
			if err := db.InTx(ctx, func(q store.Querier) error {
				var err error
				refs, err = svc.RecordShown(ctx, q, contractID, 7, consumer, "en", today)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return refs
		}
		// No privacy statement published: it is left out; English falls back to Dutch.
		refs := record(41, true)
		if len(refs) != 2 || refs[0].ID != published[Terms].ID || refs[1].ID != published[Withdrawal].ID || refs[1].Lang != "nl" ||
			refs[1].Hash != published[Withdrawal].Hash || !strings.HasPrefix(refs[1].URL, "https://portal.example/withdrawal/v/1") {
			t.Fatalf("consumer: %+v", refs)
		}
		entries := count(t, db, "audit_entries")
		record(41, true)
		if count(t, db, "order_documents") != 2 || count(t, db, "audit_entries") != entries {
			t.Fatal("recording twice changed something")
		}
		if refs := record(42, false); len(refs) != 2 || refs[1].Kind != DPA {
			t.Fatalf("business: %+v", refs)
		}
		shown, err := svc.Shown(context.Background(), 41)
		if err != nil || len(shown) != 2 || shown[0].Hash != published[Terms].Hash || shown[0].URL != refs[0].URL {
			t.Fatalf("shown: %+v %v", shown, err)
		}
		trail, err := audit.List(context.Background(), db, audit.Filter{Action: "contract.documents"})
		if err != nil || len(trail) != 2 || trail[0].OrgID != 7 {
			t.Fatalf("audit: %+v %v", trail, err)
		}
	}, audit.Schema, Schema)
}
