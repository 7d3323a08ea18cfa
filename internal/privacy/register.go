package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

// The register of processing activities (AVG art. 30): the provider as controller of
// its own customer data (the purposes of cp.privacy) and as processor for its
// customers per service kind (cp.dpa). Rows are data: seeded once from seedActivities
// (each citing its clauses) and then edited by staff (privacy.manage). The
// subprocessors of an activity, and with them its transfers outside the EEA, come from
// the subprocessor register by service kind, so both stay one source.

// Roles in the register.
const (
	RoleController = "controller"
	RoleProcessor  = "processor"
)

// Activity is one processing activity.
type Activity struct {
	ID                int64  `json:"id"`
	Key               string `json:"key"`
	Role              string `json:"role"`
	Name              string `json:"name"`
	Purpose           string `json:"purpose"`
	DataCategories    string `json:"data_categories"`
	SubjectCategories string `json:"subject_categories"`
	LegalBasis        string `json:"legal_basis"`
	Retention         string `json:"retention"`
	Recipients        string `json:"recipients"`
	// Transfers is what staff wrote about transfers outside the EEA; TransfersFrom
	// adds those of the subprocessors.
	Transfers string   `json:"transfers"`
	Kinds     []string `json:"kinds"`
	Clauses   string   `json:"clauses"`
	// Subprocessors are the register's subprocessors in use for Kinds.
	Subprocessors []Subprocessor `json:"subprocessors"`
}

// OutsideEEA lists the transfers outside the EEA with their safeguard: staff's text
// and every subprocessor of the activity that names one.
func (a Activity) OutsideEEA() []string {
	var out []string
	if t := strings.TrimSpace(a.Transfers); t != "" {
		out = append(out, t)
	}
	for _, sp := range a.Subprocessors {
		if sp.Transfer != "" {
			out = append(out, sp.Name+" ("+sp.Location+"): "+sp.Transfer)
		}
	}
	return out
}

// ActivityInput is what staff edit.
type ActivityInput struct {
	Name, Purpose, DataCategories, SubjectCategories, LegalBasis, Retention, Recipients, Transfers string
	Kinds                                                                                          []string
}

type seedActivity struct {
	key, role string
	in        ActivityInput
	clauses   string
}

// seedActivities is the register as the packs describe it (clause ids from
// clauses.yaml). The provider's own texts are Dutch; staff edit them afterwards.
var seedActivities = []seedActivity{
	{"account", RoleController, ActivityInput{Name: "Account", Purpose: "inloggen en het account beheren",
		DataCategories: "naam en adres, e-mailadres, gebruikersnaam, wachtwoord (gehasht)", SubjectCategories: "klanten en hun gebruikers",
		LegalBasis: "overeenkomst (art. 6(1)(b) AVG)", Retention: "tot zes maanden na opheffing van het account", Recipients: "geen"},
		"cp.privacy.account.1, cp.privacy.account.2"},
	{"orders", RoleController, ActivityInput{Name: "Bestellingen", Purpose: "bestellingen afhandelen en factureren",
		DataCategories: "naam en adres, telefoonnummer, factuuradres, e-mailadres, betaalgegevens, IP-adres", SubjectCategories: "klanten",
		LegalBasis: "overeenkomst en wettelijke plicht (art. 52 AWR)", Retention: "facturen en betalingen 7 jaar (fiscale bewaarplicht); overige gegevens tot zes maanden na opheffing van het account",
		Recipients: "betaaldienstverlener, bank, Belastingdienst"}, "cp.privacy.order.1, cp.privacy.order.2"},
	{"newsletter", RoleController, ActivityInput{Name: "Nieuwsbrief", Purpose: "maandelijks nieuws, tips en informatie over diensten",
		DataCategories: "naam, e-mailadres, toestemmingsbewijs", SubjectCategories: "klanten (soft opt-in) en aanmelders (dubbele opt-in)",
		LegalBasis: "toestemming; voor klanten art. 11.7 Telecommunicatiewet", Retention: "tot afmelding; het bewijs van toestemming zolang de inschrijving loopt", Recipients: "geen"},
		"cp.privacy.newsletter.1, cp.privacy.newsletter.2, cp.privacy.newsletter.3"},
	{"portal", RoleController, ActivityInput{Name: "Portaal", Purpose: "beheeromgeving; vastleggen wat de gebruiker deed, als bewijs",
		DataCategories: "naam en adres, telefoonnummer, factuuradres, e-mailadres, IP-adres, activiteitenlog", SubjectCategories: "gebruikers van het portaal",
		LegalBasis: "overeenkomst", Retention: "tot zes maanden na het einde van de dienst", Recipients: "geen"}, "cp.privacy.portal.1, cp.privacy.portal.2"},
	{"contact", RoleController, ActivityInput{Name: "Contact", Purpose: "vragen en verzoeken beantwoorden (formulier, chat, telefoon, e-mail)",
		DataCategories: "naam en adres, telefoonnummer, e-mailadres, IP-adres, de vraag", SubjectCategories: "vragenstellers",
		LegalBasis: "toestemming", Retention: "tot de vraag naar tevredenheid is afgehandeld en zes maanden daarna", Recipients: "geen"},
		"cp.privacy.enquiries.1, cp.privacy.enquiries.2"},
	{"domains", RoleController, ActivityInput{Name: "Domeinregistratie", Purpose: "domeinnamen registreren",
		DataCategories: "naam en adres, telefoonnummer, e-mailadres van de houder", SubjectCategories: "domeinhouders",
		LegalBasis: "overeenkomst", Retention: "tot zes maanden na het einde van de dienst", Recipients: "registries (SIDN, DNS Belgium, EURid, …) en registrar",
		Kinds: []string{"domain"}}, "cp.privacy.domains.1, cp.privacy.domains.2, cp.privacy.domains.3"},
	{"hosting", RoleController, ActivityInput{Name: "Hosting", Purpose: "websites en applicaties hosten, met back-ups",
		DataCategories: "gegevens van de klant op de servers", SubjectCategories: "klanten",
		LegalBasis: "overeenkomst", Retention: "tot een maand na het einde van de dienst", Recipients: "subverwerkers voor hosting en back-ups",
		Kinds: []string{"webhosting", "hosting", "containers"}}, "cp.privacy.hosting.1, cp.privacy.hosting.2, cp.privacy.hosting.5"},
	{"vps", RoleController, ActivityInput{Name: "VPS", Purpose: "virtuele servers leveren", DataCategories: "gegevens van de klant op de VPS",
		SubjectCategories: "klanten", LegalBasis: "overeenkomst", Retention: "tot een maand na het einde van de dienst", Recipients: "subverwerkers voor VPS",
		Kinds: []string{"vps", "vps-backup"}}, "cp.privacy.vps.1, cp.privacy.vps.2"},
	{"email", RoleController, ActivityInput{Name: "E-mail", Purpose: "e-mail opslaan en afleveren, met back-ups",
		DataCategories: "e-mail van de klant, serverlogs", SubjectCategories: "klanten en hun correspondenten",
		LegalBasis: "overeenkomst", Retention: "tot een maand na het einde van de dienst", Recipients: "subverwerkers voor e-mail", Kinds: []string{"email"}},
		"cp.privacy.email.1, cp.privacy.email.2"},
	{"email-marketing", RoleController, ActivityInput{Name: "E-mailmarketing", Purpose: "nieuwsbrieven en transactionele e-mail van de klant verzenden",
		DataCategories: "contactlijsten met e-mailadressen, serverlogs", SubjectCategories: "klanten en hun ontvangers",
		LegalBasis: "overeenkomst", Retention: "tot een maand na het einde van de dienst", Recipients: "subverwerkers voor e-mailmarketing",
		Kinds: []string{"email-marketing"}}, "cp.privacy.emailmarketing.1, cp.privacy.emailmarketing.2"},
	{"vpn", RoleController, ActivityInput{Name: "VPN", Purpose: "de VPN-dienst laten werken",
		DataCategories: "dag van verbinding, VPN-locatie, totale hoeveelheid verkeer; geen IP-adressen, sessies, websites of DNS-verzoeken", SubjectCategories: "gebruikers van de VPN",
		LegalBasis: "overeenkomst", Retention: "zo kort als nodig voor de werking", Recipients: "geen", Kinds: []string{"vpn"}}, "cp.privacy.vpn.1, cp.privacy.vpn.2"},
	{"server-logs", RoleController, ActivityInput{Name: "Serverlogs", Purpose: "fouten vinden en herstellen, misbruik opsporen",
		DataCategories: "IP-adres en verbindingsgegevens", SubjectCategories: "bezoekers en gebruikers (niet van de VPN)",
		LegalBasis: "gerechtvaardigd belang", Retention: "ten hoogste een maand", Recipients: "geen"}, "cp.privacy.serverlogs.1, cp.privacy.serverlogs.2"},
	{"applications", RoleController, ActivityInput{Name: "Sollicitaties", Purpose: "geschiktheid van sollicitanten beoordelen",
		DataCategories: "naam en adres, telefoonnummer, e-mailadres, cv, motivatie, portfolio", SubjectCategories: "sollicitanten",
		LegalBasis: "toestemming", Retention: "een maand na afloop van de procedure", Recipients: "geen"}, "cp.privacy.applications.1"},
	// As processor (cp.dpa): the customer is the controller of what it keeps in the
	// service (cp.dpa.1.2); we process on its instructions (cp.dpa.2.1) and destroy
	// the data after the agreement (cp.dpa.12.1-12.4).
	{"processor:webhosting", RoleProcessor, ActivityInput{Name: "Webhosting (verwerker)", Purpose: "opslag en publicatie van websites en databases van de klant",
		DataCategories: "alles wat de klant op de website en in databases zet", SubjectCategories: "bezoekers, klanten en medewerkers van de klant",
		LegalBasis: "verwerkersovereenkomst met de klant (verwerkingsverantwoordelijke)", Retention: "tot een maand na het einde van de overeenkomst, dan vernietigd",
		Recipients: "subverwerkers", Kinds: []string{"webhosting", "hosting", "containers"}}, "cp.dpa.1.2, cp.dpa.2.1, cp.dpa.12.1"},
	{"processor:email", RoleProcessor, ActivityInput{Name: "E-mail (verwerker)", Purpose: "opslag en aflevering van de e-mail van de klant",
		DataCategories: "e-mailberichten, adresboeken", SubjectCategories: "medewerkers en correspondenten van de klant",
		LegalBasis: "verwerkersovereenkomst met de klant", Retention: "tot een maand na het einde van de overeenkomst, dan vernietigd", Recipients: "subverwerkers",
		Kinds: []string{"email"}}, "cp.dpa.1.2, cp.dpa.2.1, cp.dpa.12.1"},
	{"processor:vps", RoleProcessor, ActivityInput{Name: "VPS (verwerker)", Purpose: "virtuele servers waarop de klant zelf gegevens verwerkt",
		DataCategories: "alles wat de klant op de server zet", SubjectCategories: "bepaald door de klant",
		LegalBasis: "verwerkersovereenkomst met de klant", Retention: "tot een maand na het einde van de overeenkomst, dan vernietigd", Recipients: "subverwerkers",
		Kinds: []string{"vps", "vps-backup"}}, "cp.dpa.1.2, cp.dpa.2.1, cp.dpa.12.1"},
	{"processor:email-marketing", RoleProcessor, ActivityInput{Name: "E-mailmarketing (verwerker)", Purpose: "verzending van nieuwsbrieven en transactionele e-mail voor de klant",
		DataCategories: "contactlijsten, e-mailadressen, open- en klikgegevens", SubjectCategories: "ontvangers van de klant",
		LegalBasis: "verwerkersovereenkomst met de klant", Retention: "tot een maand na het einde van de overeenkomst, dan vernietigd", Recipients: "subverwerkers",
		Kinds: []string{"email-marketing"}}, "cp.dpa.1.2, cp.dpa.2.1, cp.dpa.12.1"},
	{"processor:vpn", RoleProcessor, ActivityInput{Name: "VPN (verwerker)", Purpose: "doorgeven van het verkeer van de klant",
		DataCategories: "verkeer (niet gelogd)", SubjectCategories: "gebruikers van de klant", LegalBasis: "verwerkersovereenkomst met de klant",
		Retention: "niet bewaard", Recipients: "geen", Kinds: []string{"vpn"}}, "cp.dpa.1.2, cp.dpa.2.1"},
}

// SeedRegister writes the register's rows that do not exist yet (by key); rows staff
// edited are left as they are. Idempotent.
func (s *Service) SeedRegister(ctx context.Context) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		for i, a := range seedActivities {
			if _, err := q.ExecContext(ctx, `INSERT INTO privacy_activities (key, role, position, name, purpose, data_categories, subject_categories, legal_basis,
				retention, recipients, transfers, kinds, clauses, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (key) DO NOTHING`,
				a.key, a.role, i, a.in.Name, a.in.Purpose, a.in.DataCategories, a.in.SubjectCategories, a.in.LegalBasis, a.in.Retention, a.in.Recipients,
				a.in.Transfers, strings.Join(a.in.Kinds, ","), a.clauses, now); err != nil {
				return err
			}
		}
		return nil
	})
}

const actCols = `id, key, role, name, purpose, data_categories, subject_categories, legal_basis, retention, recipients, transfers, kinds, clauses`

func scanActivity(sc interface{ Scan(...any) error }) (Activity, error) {
	var a Activity
	var kinds string
	err := sc.Scan(&a.ID, &a.Key, &a.Role, &a.Name, &a.Purpose, &a.DataCategories, &a.SubjectCategories, &a.LegalBasis, &a.Retention, &a.Recipients,
		&a.Transfers, &kinds, &a.Clauses)
	if kinds != "" {
		a.Kinds = strings.Split(kinds, ",")
	}
	return a, err
}

// Register lists the activities, controller first, each with its subprocessors. It
// seeds the register the first time (an empty table).
func (s *Service) Register(ctx context.Context, by accounts.Principal) ([]Activity, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return nil, err
	}
	return s.register(ctx)
}

func (s *Service) register(ctx context.Context) ([]Activity, error) {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM privacy_activities`).Scan(&n); err != nil {
		return nil, err
	}
	if n == 0 {
		if err := s.SeedRegister(ctx); err != nil {
			return nil, err
		}
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+actCols+` FROM privacy_activities ORDER BY role, position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	subs, err := s.Subprocessors(ctx)
	if err != nil {
		return nil, err
	}
	for i := range out {
		for _, sp := range subs {
			if sp.Until.IsZero() && slices.ContainsFunc(sp.Kinds, func(k string) bool { return slices.Contains(out[i].Kinds, k) }) {
				out[i].Subprocessors = append(out[i].Subprocessors, sp)
			}
		}
	}
	return out, nil
}

// Activity returns one activity.
func (s *Service) Activity(ctx context.Context, by accounts.Principal, id int64) (Activity, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return Activity{}, err
	}
	a, err := scanActivity(s.db.QueryRowContext(ctx, `SELECT `+actCols+` FROM privacy_activities WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	return a, err
}

// UpdateActivity changes an activity's description (privacy.manage), audited.
func (s *Service) UpdateActivity(ctx context.Context, by accounts.Principal, id int64, in ActivityInput) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	fe := accounts.FieldErrors{}
	for _, f := range []struct {
		name string
		v    *string
		req  bool
	}{{"name", &in.Name, true}, {"purpose", &in.Purpose, true}, {"data_categories", &in.DataCategories, true}, {"subject_categories", &in.SubjectCategories, true},
		{"legal_basis", &in.LegalBasis, true}, {"retention", &in.Retention, true}, {"recipients", &in.Recipients, false}, {"transfers", &in.Transfers, false}} {
		*f.v = strings.TrimSpace(*f.v)
		if (f.req && *f.v == "") || len(*f.v) > 4000 {
			fe[f.name] = i18n.T("privacy.register_field")
		}
	}
	if len(fe) > 0 {
		return fe
	}
	var kinds []string
	for _, k := range in.Kinds {
		if k = strings.TrimSpace(k); k != "" && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE privacy_activities SET name = $1, purpose = $2, data_categories = $3, subject_categories = $4, legal_basis = $5,
			retention = $6, recipients = $7, transfers = $8, kinds = $9, updated_at = $10, updated_by = $11 WHERE id = $12`,
			in.Name, in.Purpose, in.DataCategories, in.SubjectCategories, in.LegalBasis, in.Retention, in.Recipients, in.Transfers, strings.Join(kinds, ","), now, by.User.ID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		return record(ctx, q, now, 0, "privacy.register", "processing_activity", id, fmt.Sprintf("processing activity %q changed", in.Name))
	})
}
