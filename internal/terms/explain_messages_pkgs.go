package terms

// Sentences of the steps that packages outside internal/terms add to the rules'
// explanations: the SLA month (internal/sla, internal/compensation), dunning, billing
// and the contracts service. They join the catalogue at start-up so that Text, the
// catalogue test and the completeness test over the packages' sources
// (TestEveryStepOutsideTermsHasAKey) treat them like the rules' own.
var packageExplainMessages = map[string]explainMsg{
	// ---- the SLA month (cp.sla.availability.1-2, cp.sla.exclusions.1-8, INTERPRETATION.md A01, A03) ----
	"sla.month.outages": {nl: "Een dienst van het type {kind:service} is onbeschikbaar zolang een van deze onderdelen uitvalt: {components:text}. Een onderdeel is uitgevallen vanaf de eerste van {confirm:int} mislukte controles op rij tot de volgende geslaagde, zolang de meeste meetpunten dat zien. In {month:month} waren er {outages:int} storingen, samen {minutes:int} minuten.",
		en: "A {kind:service} service is unavailable while any of these components is down: {components:text}. A component is down from the first of {confirm:int} consecutive failed checks until the next successful one, while most probe locations see it down. In {month:month} there were {outages:int} outages, {minutes:int} minutes in all."},
	"sla.month.outages_all": {nl: "Een dienst van het type {kind:service} is onbeschikbaar zolang een van deze onderdelen uitvalt: {components:text}; {all_down:text} telt pas als uitgevallen wanneer al zijn doelen tegelijk uit zijn. Een onderdeel is uitgevallen vanaf de eerste van {confirm:int} mislukte controles op rij tot de volgende geslaagde, zolang de meeste meetpunten dat zien. In {month:month} waren er {outages:int} storingen, samen {minutes:int} minuten.",
		en: "A {kind:service} service is unavailable while any of these components is down: {components:text}; {all_down:text} counts as down only while all of its targets are down. A component is down from the first of {confirm:int} consecutive failed checks until the next successful one, while most probe locations see it down. In {month:month} there were {outages:int} outages, {minutes:int} minutes in all."},
	"sla.month.excluded": {nl: "Onbeschikbaarheid tijdens onderhoud en de andere vastgelegde uitzonderingen ({exclusions:int}) telt niet mee: {minutes:int} minuten.",
		en: "Unavailability during maintenance and the other recorded exclusions ({exclusions:int}) does not count: {minutes:int} minutes."},
	"sla.month.overdue": {nl: "Een storing die begon terwijl een factuur over de vervaldatum openstond, telt niet mee: {minutes:int} minuten.",
		en: "An outage that began while an invoice was overdue does not count: {minutes:int} minutes."},
	"sla.month.counted": {nl: "Mee telt de onbeschikbaarheid binnen de kalendermaand {month:month}, na de uitzonderingen, in hele minuten naar beneden afgerond: {minutes:int} minuten.",
		en: "What counts is the unavailability within the calendar month of {month:month}, after exclusions, in whole minutes rounded down: {minutes:int} minutes."},
	"sla.corrected": {nl: "Nadat de maand was vastgezet, heeft de aanbieder die gecorrigeerd: {minutes:int} minuten onbeschikbaarheid in plaats van {frozen:int}; de correctie geldt.",
		en: "After the month was frozen the provider corrected it: {minutes:int} minutes of unavailability instead of {frozen:int}; the correction applies.", lead: true},
	"service.webhosting": {nl: "webhosting", en: "web hosting"},
	"service.email":      {nl: "e-mail", en: "e-mail"},
	"service.vps":        {nl: "VPS", en: "VPS"},
	"service.container":  {nl: "container", en: "container"},
	"service.vpn":        {nl: "VPN", en: "VPN"},

	// ---- usage: the plan raised instead of the overage billed (cp.av.9.1) ----
	"usage.raise": {nl: "Gebruik boven het pakket in {month:text} verhoogt het pakket vanaf het begin van die maand, van {from_plan:text} naar {to_plan:text}; een verhoging gaat direct in.",
		en: "Usage above the plan in {month:text} raises the plan from the start of that month, from {from_plan:text} to {to_plan:text}; a raise applies at once.", lead: true},
	"usage.raise_charge": {nl: "De maand waarin het pakket werd overschreden, kost de prijs van het hogere pakket: het verschil van {old_price:money} en {new_price:money} per maand is {difference:money}.",
		en: "The month in which the plan was exceeded costs the raised plan's price: the difference between {old_price:money} and {new_price:money} a month is {difference:money}."},

	// ---- dunning (cp.av.14.1-14.7, art. 6:96 and 6:119 BW) ----
	"dunning.settled": {nl: "De factuur is op {paid_on:date} betaald; de invordering ervan is afgesloten.",
		en: "The invoice was paid on {paid_on:date}; its collection is closed.", lead: true},
	"dunning.unsuspended": {nl: "De factuur is op {paid_on:date} betaald, dus de diensten die ervoor buiten gebruik waren gesteld, worden weer in gebruik genomen.",
		en: "The invoice was paid on {paid_on:date}, so the services taken out of use for it are put back in use.", lead: true},
	"dunning.costs_due_default": {nl: "Je was vanaf {default_from:date} in verzuim, dus de buitengerechtelijke incassokosten over de toen onbetaalde hoofdsom ({open:money}) zijn verschuldigd: {amount:money}.",
		en: "You were in default from {default_from:date}, so the extrajudicial collection costs on the principal then unpaid ({open:money}) are owed: {amount:money}.", lead: true},
	"dunning.costs_due_reminder": {nl: "De termijn van {period:period} uit de herinnering is verstreken zonder betaling, dus de daarin genoemde incassokosten zijn verschuldigd: {amount:money}.",
		en: "The reminder's {period:period} passed without payment, so the collection costs it stated are owed: {amount:money}.", lead: true},
	"dunning.interest_tranche": {nl: "Over {principal:money} van de hoofdsom loopt rente van {from:date} tot de dag van betaling, {paid_on:date}: {amount:money}.",
		en: "Interest runs on {principal:money} of the principal from {from:date} up to the day it was paid, {paid_on:date}: {amount:money}."},
	"dunning.charge": {nl: "De rente ({interest:money}) en de incassokosten ({costs:money}) worden samen in rekening gebracht op een aparte factuur zonder btw: {total:money}.",
		en: "The interest ({interest:money}) and the collection costs ({costs:money}) are charged together on a charge invoice without VAT: {total:money}.", lead: true},
	"dunning.below_minimum": {nl: "Het bedrag is lager dan het minimum dat de aanbieder in rekening brengt ({minimum:money}); er wordt niets in rekening gebracht.",
		en: "The amount is below the provider's minimum charge ({minimum:money}), so nothing is charged.", lead: true},
	"dunning.reminder_late": {nl: "De herinnering ging later uit dan gepland ({planned:date}), dus de termijn van {period:period} gaat in vanaf de dag van verzending, {sent:date}.",
		en: "The reminder went out after the planned day ({planned:date}), so its {period:period} run from the day it was sent, {sent:date}."},
	"dunning.default_after_reminder": {nl: "Je bent in verzuim vanaf de dag na de termijn uit de herinnering (tot en met {pay_by:date}): vanaf {default_from:date}.",
		en: "You are in default from the day after the period the reminder gave (up to and including {pay_by:date}): from {default_from:date}.", lead: true},

	// ---- billing (cp.av.4.1, cp.av.14.1-14.7) ----
	"billing.run": {nl: "Doorlopende diensten worden vooraf per periode gefactureerd; deze factuur is opgemaakt op {run_date:date}.",
		en: "Continuing services are invoiced per period in advance; this invoice was drawn up on {run_date:date}."},
	"billing.credit_setoff": {nl: "Je tegoed van {balance:money} wordt verrekend met deze nieuwe factuur: {applied:money}. Tegoed wordt nooit verrekend met een factuur die al openstaat en nooit uitbetaald.",
		en: "Your account credit of {balance:money} is set off against this new invoice: {applied:money}. Credit is never set off against an invoice already open and never paid out.", lead: true},
	"billing.credit_note_vat": {nl: "Een creditnota houdt de partijen en de btw-behandeling van de factuur die ze crediteert ({invoice:text}).",
		en: "A credit note keeps the parties and the VAT treatment of the invoice it credits ({invoice:text})."},
	"billing.credit_note_refund": {nl: "Creditnota {credit_note:text} op factuur {invoice:text}, die al betaald was: het bedrag wordt terugbetaald.",
		en: "Credit note {credit_note:text} on invoice {invoice:text}, already paid: the amount is refunded.", lead: true},
	"vat.reverse_charge": {nl: "Een zakelijke klant in een andere EU-lidstaat ({country:text}) met een btw-nummer krijgt een factuur zonder btw; de btw is verlegd naar de klant.",
		en: "A business customer in another EU member state ({country:text}) with a VAT id is invoiced without VAT; the customer accounts for it (reverse charge).", lead: true},
	"vat.oss_scheme": {nl: "Een consument in een andere EU-lidstaat ({country:text}) betaalt het btw-tarief van die lidstaat (One-Stop-Shop).",
		en: "A consumer in another EU member state ({country:text}) pays that state's VAT rate (One-Stop-Shop).", lead: true},
	"vat.domestic": {nl: "Het Nederlandse btw-tarief van de categorie geldt.",
		en: "Dutch VAT applies at the Dutch rate of the category.", lead: true},

	// ---- the contracts service (cp.av.9.1-9.4, cp.av.15.1-15.6) ----
	"contract.staff_suspended": {nl: "De aanbieder mag diensten buiten gebruik stellen zolang de klant een verplichting niet nakomt; de aanbieder heeft daartoe besloten.",
		en: "The provider may take services out of use while the customer fails to meet an obligation; staff decided to do so.", lead: true},
	"plan.raise_charge": {nl: "Een hoger pakket dat je aanvraagt, gaat meteen in op {requested:date}; het verschil in prijs per looptijd ({old:money} → {new:money}, × {quantity:int}) wordt voor de rest van de lopende looptijd in rekening gebracht.",
		en: "A higher plan you ask for applies at once, on {requested:date}; the difference in term price ({old:money} → {new:money}, × {quantity:int}) is charged for the rest of the current term.", lead: true},
}

func init() {
	for k, m := range packageExplainMessages {
		if _, dup := explainMessages[k]; dup {
			panic("terms: explanation key " + k + " defined twice")
		}
		explainMessages[k] = m
	}
}
