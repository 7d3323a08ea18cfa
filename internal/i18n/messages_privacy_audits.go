package i18n

// Texts of customer audits (internal/privacy/audits.go): field errors.
var _ = add(map[string][2]string{
	"privacy.audit.give_title":                  {"Geef de titel van het rapport (hoogstens 200 tekens)", "Give the report's title (at most 200 characters)"},
	"privacy.audit.give_body":                   {"Geef de tekst van het rapport", "Give the report's text"},
	"privacy.audit.give_issued":                 {"Geef de datum van het rapport (niet in de toekomst)", "Give the report's date (not in the future)"},
	"privacy.audit.not_processor":               {"Een audit kan alleen een zakelijke klant vragen voor wie wij gegevens verwerken", "Only a business customer whose data we process can ask for an audit"},
	"privacy.audit.give_reasons":                {"Geef de redenen en de gewenste reikwijdte van de audit (hoogstens 4000 tekens)", "Give the reasons for and the scope of the audit (at most 4000 characters)"},
	"privacy.audit.already_open":                {"Je hebt al een lopend auditverzoek", "You have an audit request running already"},
	"privacy.audit.wrong_state":                 {"Dat kan niet in deze stap van de audit", "This is not possible at this step of the audit"},
	"privacy.audit.give_insufficiency":          {"Leg uit waarom de bestaande rapporten onvoldoende duidelijkheid geven (hoogstens 4000 tekens)", "Explain why the existing reports give insufficient clarity (at most 4000 characters)"},
	"privacy.audit.give_refusal":                {"Geef de reden van de weigering", "Give the reason for the refusal"},
	"privacy.audit.give_time":                   {"Geef de tijd als uu:mm", "Give the time as hh:mm"},
	"privacy.audit.give_scope":                  {"Geef de afgesproken reikwijdte", "Give the agreed scope"},
	"privacy.audit.give_auditor":                {"Geef de onafhankelijke auditor", "Give the independent auditor"},
	"privacy.audit.give_date":                   {"Geef de datum van de audit", "Give the date of the audit"},
	"privacy.audit.too_early":                   {"Volgens de voorwaarden kan de audit op zijn vroegst op %s plaatsvinden", "Under the terms the audit can take place on %s at the earliest"},
	"privacy.audit.not_yet":                     {"De audit is gepland op %s", "The audit is scheduled on %s"},
	"privacy.audit.give_finding":                {"Beschrijf de bevinding", "Describe the finding"},
	"privacy.audit.choose_implements":           {"Kies wie de bevinding uitvoert", "Choose who implements the finding"},
	"privacy.audit.give_due":                    {"Geef de datum waarop het klaar moet zijn", "Give the date by which it is done"},
	"privacy.audit.give_resolution":             {"Beschrijf hoe de bevinding is opgelost", "Describe how the finding was resolved"},
	"privacy.audit.finding_resolved_or_missing": {"Deze bevinding bestaat niet of is al opgelost", "This finding does not exist or was resolved already"},
	"privacy.audit.give_conclusion":             {"Geef de conclusie van de audit", "Give the audit's conclusion"},
	"privacy.audit.findings_open":               {"Er staan nog %d bevindingen open", "%d findings are still open"},
})
