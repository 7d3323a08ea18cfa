package web

// viewsMessages are the texts of the portal home, the staff dashboard, the staff
// customer page with its notes, and the quote editor: key → {Dutch, English}.
var viewsMessages = map[string][2]string{
	"home.todo":            {"Wat je aandacht vraagt", "What needs your attention"},
	"home.todo_quote":      {"Offerte ‘%s’ wacht op je antwoord (geldig tot en met %s)", "Quote ‘%s’ awaits your answer (valid until %s)"},
	"home.todo_overdue":    {"Factuur %s: %s staat open, de betaaltermijn is op %s verstreken", "Invoice %s: %s is open, it was due on %s"},
	"home.todo_invoice":    {"Factuur %s: betaal %s uiterlijk %s", "Invoice %s: pay %s by %s"},
	"home.todo_mandate":    {"Je machtiging %s kan niet meer worden gebruikt: betaal per overboeking of geef een nieuwe machtiging af", "Your mandate %s can no longer be used: pay by transfer or give a new mandate"},
	"home.todo_claim":      {"%s: je kunt compensatie aanvragen voor %s, tot en met %s", "%s: you can claim compensation for %s, until %s"},
	"home.services":        {"Je diensten", "Your services"},
	"home.services_count":  {"diensten", "services"},
	"home.service":         {"Dienst", "Service"},
	"home.price":           {"Prijs (excl. btw)", "Price (excl. VAT)"},
	"home.renews":          {"Verlengt op", "Renews on"},
	"home.ends":            {"eindigt %s", "ends %s"},
	"home.open_invoices":   {"Openstaande facturen", "Open invoices"},
	"home.recent_invoices": {"Recente facturen", "Recent invoices"},
	"home.open_total":      {"openstaand", "open"},
	"home.open_overdue":    {"openstaand, waarvan %s te laat", "open, of which %s overdue"},
	"home.credit":          {"tegoed", "account credit"},
	"home.no_services":     {"Je hebt nog geen diensten.", "You have no services yet."},
	"home.to_catalog":      {"Bekijk het aanbod", "See what we offer"},
	"home.renewals":        {"Komende verlengingen", "Next renewals"},
	"home.renewal":         {"%s verlengt op %s voor %s %s", "%s renews on %s for %s %s"},
	"home.account":         {"Je account", "Your account"},

	"dash.receivables":    {"openstaand bij klanten", "receivables"},
	"dash.overdue":        {"te laat (%d klanten)", "overdue (%d customers)"},
	"dash.mrr":            {"terugkerende omzet per maand (%d diensten, excl. btw)", "monthly recurring revenue (%d services, excl. VAT)"},
	"dash.today_orders":   {"bestellingen vandaag", "orders today"},
	"dash.today_orders_h": {"Bestellingen van vandaag", "Today's orders"},
	"dash.order":          {"Overeenkomst %d — %s — %s", "Contract %d — %s — %s"},
	"dash.pending_claims": {"compensatieaanvragen te beoordelen", "SLA claims to decide"},
	"dash.open_incidents": {"open storingen", "open incidents"},
	"dash.draft_quotes":   {"offertes in concept", "draft quotes"},
	"dash.cases":          {"Open zaken", "Open cases"},
	"dash.incident":       {"Storing: %s (sinds %s)", "Incident: %s (since %s)"},
	"dash.claim":          {"Compensatieaanvraag %d voor %s (ontvangen %s)", "SLA claim %d for %s (received %s)"},

	"customer.claimable":    {"maanden met compensatie die nog kan worden aangevraagd", "months with SLA credit still to claim"},
	"customer.open_quotes":  {"Offertes die op antwoord wachten", "Quotes awaiting an answer"},
	"customer.quote_until":  {"geldig tot en met %s", "valid until %s"},
	"customer.invoices":     {"Laatste facturen", "Latest invoices"},
	"customer.all_invoices": {"Alle facturen van deze klant", "All of this customer's invoices"},
	"customer.no_mandates":  {"Geen incassomachtigingen.", "No direct debit mandates."},
	"customer.all_mandates": {"Machtigingen van deze klant", "This customer's mandates"},

	"note.title":              {"Notities van medewerkers", "Staff notes"},
	"note.private":            {"Alleen voor medewerkers: de klant ziet deze notities nooit.", "Staff only: the customer never sees these notes."},
	"note.none":               {"Nog geen notities.", "No notes yet."},
	"note.add":                {"Notitie toevoegen", "Add note"},
	"note.body":               {"Nieuwe notitie", "New note"},
	"note.hint":               {"Bijvoorbeeld wat er in een telefoongesprek is afgesproken.", "For instance what was agreed on the phone."},
	"note.invalid":            {"Schrijf een notitie van hoogstens %d tekens.", "Write a note of at most %d characters."},
	"mfa.qr_alt":              {"QR-code om te scannen met je authenticator-app", "QR code to scan with your authenticator app"},
	"mfa.qr_caption":          {"Scan deze code met je authenticator-app, of typ de geheime sleutel hieronder over.", "Scan this code with your authenticator app, or type in the secret key below."},
	"period.p3m":              {"per 3 maanden", "per 3 months"},
	"period.p6m":              {"per 6 maanden", "per 6 months"},
	"period.p2y":              {"per 2 jaar", "per 2 years"},
	"quote.customer_hint":     {"Klantnummer, of (een deel van) de naam, het e-mailadres of het KvK-nummer.", "Customer number, or (part of) the name, e-mail address or KvK number."},
	"quote.no_customer":       {"Geen klant gevonden voor ‘%s’.", "No customer found for ‘%s’."},
	"quote.several_customers": {"%d klanten passen hierbij: %s. Kies er één met het klantnummer.", "%d customers match: %s. Choose one by its number."},
	"quote.customer_choice":   {"%s (nr. %d)", "%s (no. %d)"},
	"quote.remove_line":       {"Deze regel verwijderen", "Remove this line"},
	"quote.more_lines":        {"Meer regels", "More lines"},
	"quote.save":              {"Concept opslaan", "Save draft"},
	"quote.edit":              {"Concept bewerken", "Edit draft"},
	"quote.edit_title":        {"Offerte ‘%s’ bewerken", "Edit quote ‘%s’"},
	"flash.quote_saved":       {"Het concept is opgeslagen.", "The draft has been saved."},
	"flash.quote_not_draft":   {"Deze offerte is al verstuurd en kan niet meer worden gewijzigd.", "This quote has been sent and can no longer be changed."},
	"flash.note_added":        {"De notitie is toegevoegd.", "The note has been added."},
}

func init() {
	for k, v := range viewsMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
