package terms

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// The explanation catalogue: every keyed Step's sentence in Dutch and English. A
// placeholder {name:type} is filled from the step's Args and written in the reader's
// language: date (4 december 2026 / 4 December 2026), month (maart 2026), time, money (€ 1.234,56 /
// €1,234.56), period ("3 maanden" / "3 months"), rate ("8,15" / "8.15"), int, text;
// any other type names a label group in this catalogue ("kind" → "kind.consumer"), so
// the values the packs and rules use as codes read as words. Args survive a JSON round
// trip (stored explanations) because each type also accepts the value's JSON form.
//
// Lead marks the sentence a customer reads first for the decision: the day a
// cancellation ends the contract, the last day to withdraw, the due date. The other
// steps are the reasoning behind it, unfolded on request.

type explainMsg struct {
	nl, en string
	lead   bool
}

var explainMessages = map[string]explainMsg{
	// ---- contracts: term, renewal and cancellation (cp.av.13.1-13.10, fo.av.14.1-14.4) ----
	"contract.start": {nl: "Het contract is ingegaan op {start:date} en loopt {initial:period}; daarna wordt het stilzwijgend verlengd met telkens {renewal:period}. De eerste verlenging is op {first:date}.",
		en: "The contract started on {start:date} and runs for {initial:period}; after that it renews tacitly for terms of {renewal:period}. The first renewal is on {first:date}."},
	"contract.renewals": {nl: "Het abonnement loopt eerst {initial:period} en wordt daarna stilzwijgend verlengd met telkens {renewal:period}; de eerste verlenging is op {first:date}.",
		en: "The subscription runs for an initial term of {initial:period} and then renews tacitly for terms of {renewal:period}; the first renewal is on {first:date}.", lead: true},
	"cancel.initial_term": {nl: "Een opzegging door een {customer:kind} die uiterlijk {deadline:date} binnenkomt ({notice:period} voor het einde van de eerste looptijd), beëindigt het contract aan het einde van die looptijd, op {ends:date}.",
		en: "A cancellation by a {customer:kind} received on or before {deadline:date} ({notice:period} before the end of the initial term) ends the contract at the end of that term, on {ends:date}."},
	"cancel.notice_renews": {nl: "De opzegging kwam na {deadline:date} binnen, te laat voor het einde van de eerste looptijd; het contract wordt verlengd en een {customer:kind} kan dan op elke dag opzeggen met een termijn van {notice:period}: het eindigt op {ends:date}.",
		en: "The cancellation was received after {deadline:date}, too late for the end of the initial term; the contract renews, and a {customer:kind} may then cancel on any day with {notice:period} notice: it ends on {ends:date}."},
	"cancel.notice_after_renewal": {nl: "Na de eerste verlenging kan een {customer:kind} op elke dag opzeggen met een termijn van {notice:period}: het contract eindigt op {ends:date}.",
		en: "After the first renewal a {customer:kind} may cancel on any day with {notice:period} notice: the contract ends on {ends:date}."},
	"cancel.term_end": {nl: "Een opzegging door een {customer:kind} beëindigt het contract aan het einde van de eerste looptijd die minstens {notice:period} na ontvangst eindigt: wie uiterlijk {deadline:date} opzegt, is klaar op {ends:date}.",
		en: "A cancellation by a {customer:kind} ends the contract at the first term end at least {notice:period} after receipt: received on or before {deadline:date}, it ends on {ends:date}."},
	"cancel.renews_first": {nl: "Het contract wordt op {first:date} nog verlengd, voordat het op {ends:date} eindigt.",
		en: "The contract still renews on {first:date} before it ends on {ends:date}."},
	"cancel.no_renewal": {nl: "Het contract eindigt op {ends:date}, vóór de eerste verlenging op {first:date}.",
		en: "The contract ends on {ends:date}, before the first renewal on {first:date}."},
	"cancel.deadline": {nl: "Je kunt opzeggen tot en met {deadline:date}; de dienst eindigt dan op {ends:date}.",
		en: "You can cancel up to and including {deadline:date}; the service then ends on {ends:date}.", lead: true},
	"cancel.basis.price_notice": {nl: "Na een prijsverhoging mag je opzeggen met een termijn van {notice:period}; het contract eindigt op {ends:date}.",
		en: "After a price increase you may cancel with {notice:period} notice; the contract ends on {ends:date}.", lead: true},
	"cancel.basis.price_as_of": {nl: "Na een prijsverhoging mag je het contract beëindigen per de dag dat die ingaat ({applies_on:date}); het contract eindigt op {ends:date}.",
		en: "After a price increase you may end the contract as of the day it applies ({applies_on:date}); the contract ends on {ends:date}.", lead: true},
	"cancel.basis.price_none": {nl: "Deze prijsverhoging geeft geen eerder einde; het contract eindigt gewoon op {ends:date}.",
		en: "This price increase gives no earlier end; the contract ends as usual on {ends:date}.", lead: true},
	"cancel.basis.terms_change": {nl: "Wie de nieuwe voorwaarden niet aanvaardt, mag het contract beëindigen per {effective:date}, de dag dat ze ingaan; het contract eindigt op {ends:date}.",
		en: "If you do not accept the new terms you may end the contract as of {effective:date}, the day they take effect; the contract ends on {ends:date}.", lead: true},
	"cancel.basis.force_majeure": {nl: "De overmacht duurde langer dan {period:period}, dus het contract mag schriftelijk met directe ingang worden beëindigd; het eindigt op {ends:date}.",
		en: "The force majeure lasted beyond {period:period}, so the contract may be ended in writing with immediate effect; it ends on {ends:date}.", lead: true},
	// Steps the contracts service adds to the rules' explanations.
	"contract.renewed": {nl: "Niet op tijd opgezegd, dus het abonnement is stilzwijgend verlengd: looptijd {term:int} loopt van {from:date} tot {until:date}.",
		en: "Not cancelled in time, the subscription renews tacitly: term {term:int} runs from {from:date} until {until:date}.", lead: true},
	"quote.own_validity": {nl: "De offerte noemt zelf een geldigheid; die geldt: tot en met {expires:date}.",
		en: "The quote states its own validity, which applies: through {expires:date}.", lead: true},
	"terms_change.later": {nl: "De aanbieder koos een latere ingangsdatum, {effective:date}; wie de wijziging niet aanvaardt, kan het contract per die dag beëindigen.",
		en: "The provider chose a later effective date, {effective:date}; if you do not accept the change you can end the contract as of that day.", lead: true},
	"terms_change.objected": {nl: "Het bezwaar kwam op {received:date} binnen, op tijd (uiterlijk {objection_by:date}).",
		en: "The objection was received on {received:date}, in time (by {objection_by:date}).", lead: true},
	"quote.expiry": {nl: "Een offerte is geldig tot en met {validity:period} na verzending, tenzij de offerte zelf iets anders zegt: deze tot en met {expires:date}.",
		en: "A quote is valid through {validity:period} after it was sent unless it says otherwise: this one through {expires:date}.", lead: true},

	// ---- withdrawal (art. 6:230o BW, cp.av.13.9) ----
	"withdrawal.period": {nl: "Een consument mag zonder opgave van redenen herroepen tot {period:period} nadat het contract is gesloten ({concluded:date}): tot en met {end:date}.",
		en: "A consumer may withdraw without giving reasons until {period:period} after the contract was concluded ({concluded:date}): up to and including {end:date}.", lead: true},
	"withdrawal.refused.no_right": {nl: "Deze voorwaarden geven geen herroepingsrecht.",
		en: "These terms give no right of withdrawal.", lead: true},
	"withdrawal.refused.business": {nl: "Zakelijke klanten hebben geen herroepingsrecht.",
		en: "Business customers have no right of withdrawal.", lead: true},
	"withdrawal.refused.late": {nl: "De herroeping kwam binnen op {received:date}, na de laatste dag, {last:date}; ze is daarom niet geldig.",
		en: "The withdrawal was received on {received:date}, after the last day, {last:date}, so it is not valid.", lead: true},
	"withdrawal.refused.domain": {nl: "De domeinregistratie is met je toestemming meteen uitgevoerd en je hebt afstand gedaan van het herroepingsrecht; die kan daarom niet worden herroepen.",
		en: "The domain registration was carried out at once with your consent and you waived the right of withdrawal, so it cannot be withdrawn.", lead: true},
	"withdrawal.domain_excluded": {nl: "Een domeinregistratie is uitgesloten van herroeping, omdat bij de bestelling je toestemming voor directe levering en je afstand van het herroepingsrecht zijn vastgelegd.",
		en: "A domain registration is excluded from withdrawal because the order recorded your consent to immediate delivery and your waiver."},
	"withdrawal.domain_allowed": {nl: "De domeinregistratie kan worden herroepen, omdat bij de bestelling geen toestemming voor directe levering met afstand van het herroepingsrecht is vastgelegd.",
		en: "The domain registration can be withdrawn because the order did not record consent to immediate delivery with a waiver."},
	"withdrawal.deduction": {nl: "De dienst is op je uitdrukkelijke verzoek al op {started:date} begonnen; daarom gaat er {deduction:money} af: de prijs van {price:money} × {days_used:int} gebruikte dagen ÷ {term_days:int} dagen.",
		en: "The service started at your express request on {started:date}, so {deduction:money} is deducted: the price of {price:money} × {days_used:int} days used ÷ {term_days:int} days."},
	"withdrawal.nothing_paid": {nl: "Voor deze dienst is niets betaald, dus er wordt niets terugbetaald.",
		en: "Nothing was paid for this service, so nothing is refunded."},
	"withdrawal.paid_within_deduction": {nl: "Wat je betaalde ({paid:money}) is niet meer dan de aftrek voor de gebruikte dagen ({deduction:money}), dus er wordt niets terugbetaald.",
		en: "What you paid ({paid:money}) does not exceed the deduction for the days used ({deduction:money}), so nothing is refunded."},
	"withdrawal.refund": {nl: "Je krijgt {refund:money} terug: wat je betaalde ({paid:money}) min de aftrek ({deduction:money}).",
		en: "You get {refund:money} back: what you paid ({paid:money}) less the deduction ({deduction:money}).", lead: true},
	"withdrawal.refund_by": {nl: "Dat bedrag wordt kosteloos terugbetaald binnen {within:period} na ontvangst van de herroeping, uiterlijk op {refund_by:date}.",
		en: "That amount is refunded free of charge within {within:period} after the withdrawal was received, by {refund_by:date} at the latest.", lead: true},
	"withdrawal.unpaid_cancelled": {nl: "Wat gefactureerd maar niet betaald is ({unpaid:money}), wordt met een creditnota geschrapt; dat hoef je niet te betalen.",
		en: "What was invoiced but not paid ({unpaid:money}) is cancelled by a credit note; you need not pay it.", lead: true},

	// ---- price increase and change of terms (cp.av.4.1-4.4, cp.av.18.1-18.3) ----
	"price.notice": {nl: "Een prijsverhoging moet minstens {notice:period} vooraf worden aangekondigd; aangekondigd op {announced:date}, gaat ze op zijn vroegst in op {earliest:date}.",
		en: "A price increase must be announced at least {notice:period} before it applies; announced on {announced:date}, it applies on {earliest:date} at the earliest.", lead: true},
	"price.first_period": {nl: "In de eerste {period:period} van het contract mag de prijs niet omhoog: niet vóór {first:date}.",
		en: "No increase may apply during the first {period:period} of the contract: not before {first:date}."},
	"price.once_per.calendar_year": {nl: "De prijs mag hoogstens één keer per kalenderjaar omhoog.",
		en: "Prices may rise at most once per calendar year."},
	"price.once_per.12_months": {nl: "De prijs mag hoogstens één keer per twaalf maanden omhoog.",
		en: "Prices may rise at most once per 12 months."},
	"price.once_per.": {nl: "Het aantal prijsverhogingen is niet beperkt.",
		en: "The number of price increases is not limited."},
	"price.index_cap": {nl: "De verhoging ({increase:rate}%) mag niet hoger zijn dan de CBS-prijsindex die de aanbieder heeft ingevoerd ({index:rate}%).",
		en: "The increase ({increase:rate}%) may not exceed the CBS price index the provider entered ({index:rate}%)."},
	"price.cancel_notice": {nl: "Na de aankondiging mag je opzeggen met een termijn van {notice:period}.",
		en: "After the announcement you may cancel with {notice:period} notice.", lead: true},
	"price.objection": {nl: "Je kunt tot en met {objection_by:date} bezwaar maken; trekt de aanbieder de verhoging dan niet in, dan kun je het contract beëindigen per {effective:date}, de dag dat ze ingaat.",
		en: "You can object up to and including {objection_by:date}; if the provider does not then withdraw the increase, you can end the contract as of {effective:date}, the day it applies.", lead: true},
	"terms_change.effective": {nl: "Gewijzigde voorwaarden gelden voor lopende contracten {after:period} na de aankondiging: vanaf {effective:date}.",
		en: "Changed terms apply to running contracts {after:period} after they were announced: from {effective:date}.", lead: true},
	"terms_change.objection": {nl: "Wie de wijziging niet aanvaardt, maakt uiterlijk {objection_by:date} schriftelijk en met redenen bezwaar.",
		en: "If you do not accept the change, object in writing with reasons by {objection_by:date}.", lead: true},
	"terms_change.termination": {nl: "Wie de wijziging niet aanvaardt, kan het contract beëindigen per {as_of:date}, de dag dat de nieuwe voorwaarden ingaan.",
		en: "If you do not accept the change you can end the contract as of {as_of:date}, the day the new terms apply.", lead: true},
	"plan.raise_month": {nl: "Een hoger pakket na gebruik boven het pakket geldt vanaf het begin van de maand waarin het pakket werd overschreden: vanaf {effective:date}.",
		en: "A higher plan after usage above the plan applies from the start of the month in which the plan was exceeded: from {effective:date}.", lead: true},
	"plan.raise": {nl: "Een hoger pakket geldt vanaf de dag van de wijziging: {effective:date}.",
		en: "A higher plan applies from the day it is made: {effective:date}.", lead: true},
	"plan.reduce": {nl: "Een lager pakket gaat in aan het einde van de lopende looptijd: op {effective:date}.",
		en: "A lower plan applies at the end of the current term: on {effective:date}.", lead: true},

	// ---- billing (cp.av.14.1-14.7) ----
	"billing.periods": {nl: "Een doorlopende dienst wordt vooraf gefactureerd per periode van {length:period} ({basis:basis}).",
		en: "A continuing service is invoiced in advance per period of {length:period} ({basis:basis})."},
	"billing.prorate": {nl: "Een deel van een periode wordt per dag berekend: {amount:money} × {days:int} dagen ÷ {period_days:int} dagen = {result:money} (van {from:date} tot en met {to:date}).",
		en: "Part of a period is charged by days: {amount:money} × {days:int} days ÷ {period_days:int} days = {result:money} (from {from:date} through {to:date})."},
	"billing.term_price_whole": {nl: "De prijs van {price:money} geldt voor de hele looptijd.",
		en: "The price of {price:money} is for the whole term."},
	"billing.term_price": {nl: "De prijs van een looptijd is {price:money} per {price_period:period} × de looptijd van {term:period}: {result:money}.",
		en: "The price of one term is {price:money} per {price_period:period} × the term of {term:period}: {result:money}."},

	// ---- payment, reminder, default and interest (cp.av.14.1-14.7, art. 6:96 and 6:119 BW) ----
	"payment.due": {nl: "Een factuur betaal je binnen {term:period} na de factuurdatum ({invoice_date:date}): uiterlijk {due:date}.",
		en: "An invoice is paid within {term:period} of the invoice date ({invoice_date:date}): by {due:date}.", lead: true},
	"payment.stated_due": {nl: "De factuur noemt zelf een vervaldatum, {due:date}; die gaat voor.",
		en: "The invoice states its own due date, {due:date}, which prevails.", lead: true},
	"payment.reminder": {nl: "Wie als consument niet op tijd betaalt, krijgt {after:period} na de vervaldatum een herinnering: op {reminder:date}.",
		en: "A consumer who has not paid by the due date is sent a reminder {after:period} after it: on {reminder:date}."},
	"reminder.pay_within": {nl: "De herinnering geeft {period:period} om te betalen, gerekend vanaf de dag na ontvangst; een e-mail is ontvangen op de dag van verzending ({sent:date}): tot en met {end:date}.",
		en: "The reminder gives {period:period} to pay from the day after it is received; an e-mail is received the day it is sent ({sent:date}): up to and including {end:date}."},
	"payment.default_after_reminder": {nl: "Is er op {pay_by:date} nog niet betaald, dan ben je vanaf {default_from:date} in verzuim.",
		en: "If it is still unpaid on {pay_by:date}, you are in default from {default_from:date}.", lead: true},
	"payment.default_by_law": {nl: "Wie {after:period} na de vervaldatum nog niet heeft betaald, is zonder ingebrekestelling in verzuim: vanaf {default_from:date}.",
		en: "A customer who has not paid {after:period} after the due date is in default without notice: from {default_from:date}.", lead: true},
	"interest.from_due": {nl: "Over een te late betaling loopt rente vanaf de dag na de vervaldatum: {from:date}.",
		en: "Late-payment interest runs from the day after the due date: {from:date}."},
	"interest.from_default": {nl: "Over een te late betaling loopt rente vanaf de eerste dag van verzuim: {from:date}.",
		en: "Late-payment interest runs from the first day of default: {from:date}."},
	"interest.empty": {nl: "Over een lege periode loopt geen rente.",
		en: "No interest accrues over an empty period."},
	"interest.period": {nl: "Wettelijke rente van {rate:rate}% per jaar over {principal:money}, van {from:date} tot en met {to:date} ({days:int} dagen).",
		en: "Statutory interest of {rate:rate}% a year on {principal:money}, from {from:date} through {to:date} ({days:int} days)."},
	"interest.compound": {nl: "Na een vol jaar ({year_end:date}) wordt de rente van dat jaar bij de hoofdsom opgeteld: {principal:money}.",
		en: "After a full year ({year_end:date}) that year's interest is added to the principal: {principal:money}."},
	"interest.total": {nl: "De rente over {days:int} dagen is samen {amount:money}.",
		en: "The interest over {days:int} days comes to {amount:money}.", lead: true},
	"interest.monthly": {nl: "Volgens de voorwaarden kan ook {rate:rate}% per maand gelden, zonder rente op rente: {amount:money}.",
		en: "Under the terms {rate:rate}% a month may apply instead, never compounded: {amount:money}."},
	"interest.higher": {nl: "Het hoogste van de twee bedragen is verschuldigd: {amount:money}.",
		en: "The higher of the two amounts is owed: {amount:money}.", lead: true},
	"collection.actual": {nl: "Een zakelijke klant betaalt de werkelijke incassokosten: {amount:money}.",
		en: "A business customer pays the actual collection costs: {amount:money}.", lead: true},
	"collection.bracket": {nl: "{rate:rate}% over het deel van de hoofdsom boven {over:money} tot {up_to:money}: {amount:money}.",
		en: "{rate:rate}% of the part of the principal over {over:money} up to {up_to:money}: {amount:money}."},
	"collection.bracket_top": {nl: "{rate:rate}% over het deel van de hoofdsom boven {over:money}: {amount:money}.",
		en: "{rate:rate}% of the part of the principal over {over:money}: {amount:money}."},
	"collection.minimum": {nl: "Het wettelijke minimum geldt: {amount:money}.",
		en: "The statutory minimum applies: {amount:money}."},
	"collection.maximum": {nl: "Het wettelijke maximum geldt: {amount:money}.",
		en: "The statutory maximum applies: {amount:money}."},
	"collection.total": {nl: "De incassokosten over de onbetaalde hoofdsom van {principal:money}, inclusief btw en zonder btw erbovenop, zijn {amount:money}.",
		en: "The collection costs on the unpaid principal of {principal:money}, including VAT and without VAT on top, are {amount:money}.", lead: true},
	"deposit": {nl: "Van een vaste prijs van {total:money} is {percent:rate}% verschuldigd bij de start van het werk ({deposit:money}), de rest bij oplevering.",
		en: "Of a fixed price of {total:money}, {percent:rate}% is due when the work starts ({deposit:money}), the rest on acceptance.", lead: true},
	"payment.allocation": {nl: "Een betaling van {payment:money} gaat eerst naar de incassokosten ({costs:money}), dan naar de rente ({interest:money}) en dan naar de hoofdsom ({principal:money}).",
		en: "A payment of {payment:money} goes first to the collection costs ({costs:money}), then to the interest ({interest:money}), then to the principal ({principal:money}).", lead: true},
	"last_day.moved": {nl: "De laatste dag {what:what}, {last:date}, is geen werkdag; die schuift op naar de volgende werkdag, {moved:date}.",
		en: "The last day {what:what}, {last:date}, is not a working day, so it moves to the next working day, {moved:date}.", lead: true},
	"dunning.suspension": {nl: "Zolang je in verzuim bent, mag de aanbieder de diensten buiten gebruik stellen: {period:period} na de waarschuwing van {warned:date}, op {on:date}, tenzij de factuur dan betaald is.",
		en: "While you are in default the provider may take the services out of use: {period:period} after the warning of {warned:date}, on {on:date}, unless the invoice is paid by then.", lead: true},
	"dunning.termination": {nl: "Ben je {period:period} na {from:dunningfrom} ({since:date}) nog in verzuim, dan beëindigt de aanbieder je overeenkomsten op {on:date}.",
		en: "If you are still in default {period:period} after {from:dunningfrom} ({since:date}), the provider ends your agreements on {on:date}.", lead: true},

	// ---- SEPA direct debit and refunds ----
	"sepa.prenotification": {nl: "Je krijgt minstens {period:period} vooraf bericht van een incasso (bedrag, datum, machtiging, incassant-ID); de vroegste incassodatum is {earliest:date}.",
		en: "You are told of a collection (amount, date, mandate, creditor identifier) at least {period:period} before it; the earliest collection date is {earliest:date}."},
	"sepa.offset": {nl: "Een factuur wordt {offset:period} na de factuurdatum ({invoice_date:date}) geïncasseerd: op {date:date}.",
		en: "An invoice is collected {offset:period} after its date ({invoice_date:date}): on {date:date}."},
	"sepa.target2": {nl: "Een SEPA-incasso gebeurt op een bankwerkdag (TARGET2); {date:date} is er een.",
		en: "A SEPA direct debit is collected on a bank business day (TARGET2); {date:date} is one.", lead: true},
	"sepa.target2_moved": {nl: "Een SEPA-incasso gebeurt op een bankwerkdag (TARGET2); {date:date} is dat niet, dus de incasso schuift op naar {moved:date}.",
		en: "A SEPA direct debit is collected on a bank business day (TARGET2); {date:date} is not one, so the collection moves to {moved:date}.", lead: true},
	"sepa.mandate_expiry": {nl: "Een machtiging die {period:period} niet voor een incasso is gebruikt, vervalt; deze is geldig tot en met {until:date}.",
		en: "A mandate not used for a collection for {period:period} expires; this one is valid through {until:date}.", lead: true},
	"refund.warning": {nl: "De financiële afdeling krijgt {before:period} voor de uiterste terugbetaaldatum ({due_by:date}) een waarschuwing: op {on:date}.",
		en: "Billing staff are warned {before:period} before a refund's deadline ({due_by:date}): on {on:date}."},

	// ---- SLA, maintenance, fair use, liability (cp.sla, cp.av.8.1 to cp.av.11.8) ----
	"sla.credit_formula": {nl: "Bij {minutes:int} minuten onbeschikbaarheid in de maand (na uitzonderingen) is de vergoeding {percent:int}%, met een maximum van {cap:int}%.",
		en: "With {minutes:int} minutes of unavailability in the month (after exclusions) the credit is {percent:int}%, at most {cap:int}%.", lead: true},
	"sla.breach": {nl: "Er is voor deze maand een overtreding van de algemene voorwaarden vastgelegd; daardoor vervalt de vergoeding.",
		en: "A breach of the general terms is recorded for this month, which voids the credit.", lead: true},
	"sla.credit_yearly": {nl: "De jaarprijs van {yearly_fee:money} wordt omgerekend naar een maandbedrag; {percent:int}% daarvan is {amount:money}, als tegoed op volgende facturen.",
		en: "The yearly fee of {yearly_fee:money} is converted to a monthly amount; {percent:int}% of it is {amount:money}, given as credit against future invoices.", lead: true},
	"sla.credit_monthly": {nl: "{percent:int}% van de maandprijs van {monthly_fee:money} (zonder btw) is {amount:money}, als tegoed op volgende facturen.",
		en: "{percent:int}% of the monthly fee of {monthly_fee:money} (excluding VAT) is {amount:money}, given as credit against future invoices.", lead: true},
	"sla.availability": {nl: "De beschikbaarheid moet minstens {target:rate}% van de kalendermaand zijn; met {minutes:int} minuten onbeschikbaarheid was die {availability:rate}%.",
		en: "Availability must be at least {target:rate}% of the calendar month; with {minutes:int} minutes of unavailability it was {availability:rate}%.", lead: true},
	"sla.claim_window": {nl: "Een vergoeding vraag je aan binnen {window:period} na het einde van de storing ({ended:time}): uiterlijk op {last:date}.",
		en: "A credit is claimed within {window:period} after the outage ended ({ended:time}): by {last:date} at the latest.", lead: true},
	"domain.cancel_for_default": {nl: "Na ontbinding wegens niet betalen wordt een domeinnaam met een opzegtermijn van {notice:period} opgeheven: aangekondigd op {notice_on:date}, verwijdert de registry hem op {delete_on:date}.",
		en: "After the agreement is dissolved for non-payment a domain name is cancelled with {notice:period} notice: announced on {notice_on:date}, the registry deletes it on {delete_on:date}.", lead: true},
	"ntd.escalation": {nl: "Automatische meldingen van het soort {kind:text} over één dienst worden een melding bij {threshold:int} binnen {window:period}; er zijn er {count:int}.",
		en: "Automatic {kind:text} reports about one service become a notice at {threshold:int} within {window:period}; there are {count:int}."},
	"disclosure.reward": {nl: "De beloning loopt van een T-shirt tot hoogstens {max:money} aan cadeaubonnen, naar de ernst en de kwaliteit van de melding; vastgelegd: {amount:money}.",
		en: "The reward ranges from a T-shirt to at most {max:money} in gift vouchers, by severity and report quality; recorded: {amount:money}."},
	"maintenance.notice": {nl: "Gepland onderhoud wordt minstens {notice:period} vooraf aangekondigd; aangekondigd op {announced_at:time}, kan het op zijn vroegst beginnen op {earliest:time}.",
		en: "Planned maintenance is announced at least {notice:period} ahead; announced at {announced_at:time}, it can start at {earliest:time} at the earliest."},
	"maintenance.announced": {nl: "Het onderhoud begint op {starts_at:time}, niet eerder dan dat; het is dus aangekondigd onderhoud, dat niet meetelt voor de SLA.",
		en: "The maintenance starts at {starts_at:time}, no earlier than that, so it is announced maintenance, which the SLA excludes.", lead: true},
	"maintenance.too_late": {nl: "Het onderhoud begint op {starts_at:time}, eerder dan dat; het is te laat aangekondigd en telt dus mee voor de SLA (alleen noodonderhoud met een vastgelegde reden telt niet mee).",
		en: "The maintenance starts at {starts_at:time}, before that, so it was announced too late and counts for the SLA (only emergency maintenance recorded with its reason is excluded).", lead: true},
	"fairuse.few_peers": {nl: "Met minder dan {min:int} andere actieve klanten op het pakket ({peers:int}) is er geen betrouwbare vergelijking; er gebeurt niets.",
		en: "With fewer than {min:int} other active customers on the plan ({peers:int}) there is no reliable baseline, so no action is taken.", lead: true},
	"fairuse.threshold": {nl: "Redelijk gebruik is hoogstens {multiplier:int} × het gemiddelde gebruik van de {peers:int} andere actieve klanten op hetzelfde pakket.",
		en: "Fair use is at most {multiplier:int} × the mean usage of the {peers:int} other active customers on the same plan."},
	"fairuse.exceeded": {nl: "Gebruik boven die grens kan, na minstens {warnings:int} waarschuwing(en), leiden tot een ander pakket, een limiet of een blokkade.",
		en: "Usage above that threshold may, after at least {warnings:int} warning(s), lead to a conversion, a limit or a block.", lead: true},
	"fairuse.limit": {nl: "Redelijk gebruik is hoogstens {multiplier:int} × het gemiddelde gebruik ({mean:rate}) van de {peers:int} andere actieve klanten op hetzelfde pakket: {limit:rate}.",
		en: "Fair use is at most {multiplier:int} × the mean usage ({mean:rate}) of the {peers:int} other active customers on the same plan: {limit:rate}."},
	"fairuse.over": {nl: "Een gebruik van {usage:rate} ligt boven die grens; na minstens {warnings:int} waarschuwing(en) kan het pakket worden omgezet, beperkt of geblokkeerd.",
		en: "Usage of {usage:rate} is above that limit; after at least {warnings:int} warning(s) the plan may be converted, limited or blocked.", lead: true},
	"fairuse.within": {nl: "Een gebruik van {usage:rate} blijft binnen die grens; er gebeurt niets.",
		en: "Usage of {usage:rate} stays within that limit; nothing happens.", lead: true},
	// ---- usage against the plan's limits (cp.av.5.11, cp.av.9.1-9.4, fo.av.12.1) ----
	"usage.unlimited": {nl: "Het pakket noemt geen limiet voor {resource:resource}; in {month:month} valt er niets te waarschuwen of te factureren.",
		en: "The plan states no limit for {resource:resource}; in {month:month} there is nothing to warn about or bill.", lead: true},
	"usage.share": {nl: "In {month:month} was het gebruik van {resource:resource} {used:rate} GB van de {limit:rate} GB in het pakket: {percent:rate}%. Je krijgt een waarschuwing bij {warn_at:text}% van de limiet.",
		en: "In {month:month} the use of {resource:resource} was {used:rate} GB of the plan's {limit:rate} GB: {percent:rate}%. You are warned at {warn_at:text}% of the limit.", lead: true},
	"usage.no_overage": {nl: "Gebruik van {resource:resource} binnen de limiet van het pakket kost in {month:month} niets extra.",
		en: "Use of {resource:resource} within the plan's limit costs nothing extra in {month:month}.", lead: true},
	"usage.overage": {nl: "In {month:month} was het gebruik van {resource:resource} {used:rate} GB bij een limiet van {limit:rate} GB; de {over:rate} GB daarboven kost het gepubliceerde tarief van {price:money} per GB: {amount:money}.",
		en: "In {month:month} the use of {resource:resource} was {used:rate} GB against a limit of {limit:rate} GB; the {over:rate} GB above it is charged at the published {price:money} per GB: {amount:money}.", lead: true},
	"resource.traffic": {nl: "dataverkeer (in- en uitgaand samen)", en: "data traffic (inbound and outbound together)"},
	"resource.storage": {nl: "opslag (hoogste gebruik in de maand)", en: "storage (the month's highest use)"},
	"liability.consumer": {nl: "De beperking van aansprakelijkheid geldt alleen voor zakelijke klanten; de schade van een consument wordt niet begrensd.",
		en: "The limitation of liability applies to business customers only; a consumer's damage is not capped.", lead: true},
	"liability.annual": {nl: "De aansprakelijkheid per gebeurtenis is beperkt tot de jaarprijs zonder btw: {amount:money}.",
		en: "Liability per event is limited to the fees per year excluding VAT: {amount:money}."},
	"liability.long": {nl: "Bij een overeenkomst van meer dan {months:int} maanden is de aansprakelijkheid beperkt tot wat in de {months:int} maanden voor de gebeurtenis is betaald: {amount:money}.",
		en: "For an agreement of more than {months:int} months liability is limited to what was paid in the {months:int} months before the event: {amount:money}."},
	"liability.agreement": {nl: "De aansprakelijkheid per gebeurtenis is beperkt tot de prijs zonder btw onder de overeenkomst: {amount:money}.",
		en: "Liability per event is limited to the fees excluding VAT under the agreement: {amount:money}."},
	"liability.cap": {nl: "In geen geval meer dan {cap:money} zonder btw: de grens is {amount:money}.",
		en: "In no case more than {cap:money} excluding VAT: the cap is {amount:money}.", lead: true},

	// ---- deadlines, retention, audits and VAT ----
	"deadline": {nl: "De termijn voor {process:process} is {period:period}, gerekend vanaf {from:date}: uiterlijk {deadline:date}.",
		en: "The period for {process:process} is {period:period}, counted from {from:date}: by {deadline:date}.", lead: true},
	"retention": {nl: "{category:retention} worden {period:period} bewaard, gerekend vanaf {from:date}, en daarna verwijderd: tot en met {until:date}.",
		en: "{category:retention} are kept for {period:period}, counted from {from:date}, and then deleted: through {until:date}.", lead: true},
	"audit.notice": {nl: "Een audit wordt minstens {notice:period} vooraf aangekondigd: op zijn vroegst op {earliest:date}.",
		en: "An audit is announced at least {notice:period} ahead: on {earliest:date} at the earliest."},
	"audit.interval": {nl: "Er is hoogstens één audit per {interval:period}: de volgende kan vanaf {next:date}.",
		en: "There is at most one audit per {interval:period}: the next can take place from {next:date}."},
	"vat.nl": {nl: "Prijzen zijn zonder btw; op {on:date} geldt het Nederlandse {category:vat} tarief van {rate:rate}%.",
		en: "Prices exclude VAT; on {on:date} the Dutch {category:vat} rate of {rate:rate}% applies.", lead: true},
	"vat.oss": {nl: "Prijzen zijn zonder btw; voor een consument in een andere lidstaat (One-Stop-Shop) geldt op {on:date} het standaardtarief van {country:text}: {rate:rate}%.",
		en: "Prices exclude VAT; for a consumer in another member state (One-Stop-Shop) the standard rate of {country:text} applies on {on:date}: {rate:rate}%.", lead: true},

	// ---- the documents a clause id points into (ClauseName) ----
	"doc.av":         {nl: "artikel {article:text} van de voorwaarden", en: "article {article:text} of the terms"},
	"doc.sla":        {nl: "SLA, onderdeel {article:text}", en: "SLA, section {article:text}"},
	"doc.privacy":    {nl: "privacyverklaring, onderdeel {article:text}", en: "privacy statement, section {article:text}"},
	"doc.dpa":        {nl: "artikel {article:text} van de verwerkersovereenkomst", en: "article {article:text} of the data processing agreement"},
	"doc.ntd":        {nl: "meldprocedure, onderdeel {article:text}", en: "notice-and-takedown policy, section {article:text}"},
	"doc.rd":         {nl: "responsible-disclosurebeleid, onderdeel {article:text}", en: "responsible disclosure policy, section {article:text}"},
	"doc.withdrawal": {nl: "informatie over herroeping, onderdeel {article:text}", en: "withdrawal information, section {article:text}"},
	"doc.disclaimer": {nl: "disclaimer, onderdeel {article:text}", en: "disclaimer, section {article:text}"},
	"doc.security":   {nl: "beveiligingsbeleid, onderdeel {article:text}", en: "security policy, section {article:text}"},
	"doc.other":      {nl: "onderdeel {article:text}", en: "section {article:text}"},

	// ---- labels for code values ({x:group} looks up "group.value") ----
	"kind.consumer":                  {nl: "consument", en: "consumer"},
	"kind.business":                  {nl: "zakelijke klant", en: "business customer"},
	"basis.price_period":             {nl: "de periode waarvoor de prijs geldt", en: "the period its price is stated for"},
	"basis.billing_period":           {nl: "de factuurperiode van de voorwaarden", en: "the billing period of the terms"},
	"basis.initial_term":             {nl: "de eerste looptijd van het contract", en: "the initial term of the contract"},
	"what.to withdraw":               {nl: "om te herroepen", en: "to withdraw"},
	"what.to pay the reminder":       {nl: "om de herinnering te betalen", en: "to pay the reminder"},
	"dunningfrom.suspension":         {nl: "de buitengebruikstelling", en: "the suspension"},
	"dunningfrom.default notice":     {nl: "de ingebrekestelling", en: "the notice of default"},
	"vat.standard":                   {nl: "algemene", en: "standard"},
	"vat.reduced":                    {nl: "verlaagde", en: "reduced"},
	"vat.zero":                       {nl: "nul-", en: "zero"},
	"process.complaint":              {nl: "het beantwoorden van een klacht", en: "answering a complaint"},
	"process.ntd":                    {nl: "een reactie op een melding van onrechtmatige inhoud", en: "a response to a notice (notice-and-takedown)"},
	"process.ntd-urgent":             {nl: "een spoedeisende melding van onrechtmatige inhoud", en: "an urgent notice (notice-and-takedown)"},
	"process.disclosure-ack":         {nl: "de ontvangstbevestiging van een kwetsbaarheidsmelding", en: "acknowledging a vulnerability report"},
	"process.disclosure-assessment":  {nl: "de beoordeling van een kwetsbaarheidsmelding", en: "assessing a vulnerability report"},
	"process.disclosure-fix":         {nl: "het verhelpen van een gemelde kwetsbaarheid", en: "fixing a reported vulnerability"},
	"process.dsar":                   {nl: "een verzoek om inzage of andere privacyrechten", en: "a data subject request"},
	"process.subprocessor-objection": {nl: "bezwaar tegen een nieuwe subverwerker", en: "objecting to a new subprocessor"},
	"process.audit-notice":           {nl: "de aankondiging van een audit", en: "announcing an audit"},
	"process.audit-information":      {nl: "informatie voor een audit", en: "information for an audit"},
	"process.damage-report":          {nl: "het melden van schade", en: "reporting damage"},
	"process.force-majeure":          {nl: "overmacht", en: "force majeure"},
	"process.overpayment-refund":     {nl: "het terugbetalen van een te veel betaald bedrag", en: "refunding an overpayment"},
	"process.sla-claim":              {nl: "het aanvragen van een SLA-vergoeding", en: "claiming an SLA credit"},
	"process.delivery-acceptance":    {nl: "het keuren van opgeleverd werk", en: "accepting delivered work"},
	"process.delivery-reevaluation":  {nl: "het opnieuw keuren van aangepast werk", en: "re-evaluating revised work"},
	"retention.customer-data":        {nl: "Klantgegevens", en: "Customer data"},
	"retention.invoices":             {nl: "Facturen", en: "Invoices"},
	"retention.account-data":         {nl: "Accountgegevens", en: "Account data"},
	"retention.order-data":           {nl: "Bestelgegevens", en: "Order data"},
	"retention.server-logs":          {nl: "Serverlogs", en: "Server logs"},
	"retention.hosting-data":         {nl: "Hostinggegevens", en: "Hosting data"},
	"retention.email-data":           {nl: "E-mailgegevens", en: "E-mail data"},
	"retention.email-marketing-data": {nl: "Gegevens van e-mailmarketing", en: "E-mail marketing data"},
	"retention.portal-data":          {nl: "Portaalgegevens", en: "Portal data"},
	"retention.domain-data":          {nl: "Domeingegevens", en: "Domain data"},
	"retention.enquiries":            {nl: "Vragen en verzoeken", en: "Enquiries"},
	"retention.job-applications":     {nl: "Sollicitaties", en: "Job applications"},
	"retention.backups":              {nl: "Back-ups", en: "Backups"},
}

// ClauseName names a clause id for a reader in lang: cp.av.13.3 is "artikel 13.3 van
// de voorwaarden" / "article 13.3 of the terms". doc is the document code of the id
// ("av", "sla"), which the web maps to the published document it links to.
func ClauseName(lang, id string) (name, doc string) {
	seg := strings.Split(strings.TrimSpace(id), ".")
	if len(seg) < 3 {
		return id, ""
	}
	doc, article := seg[1], strings.Join(seg[2:], ".")
	key := "doc." + doc
	if !HasExplainMessage(key) {
		key = "doc.other"
	}
	tpl, _ := explainTemplate(key, lang)
	return fill(tpl, lang, map[string]string{"article": article}), doc
}

// Plain writes the explanation for a mail in lang: one numbered sentence per step,
// each with the clauses it rests on named.
func (e Explanation) Plain(lang string) string {
	var b strings.Builder
	for i, s := range e {
		fmt.Fprintf(&b, "%d. %s", i+1, s.Text(lang))
		var names []string
		for _, id := range strings.Split(s.Clause, ",") {
			if strings.TrimSpace(id) == "" {
				continue
			}
			n, _ := ClauseName(lang, id)
			names = append(names, n)
		}
		if len(names) > 0 {
			fmt.Fprintf(&b, " (%s)", strings.Join(names, "; "))
		}
		b.WriteString("\n")
	}
	return b.String()
}

// HasExplainMessage reports whether key is in the catalogue.
func HasExplainMessage(key string) bool { _, ok := explainMessages[key]; return ok }

// ExplainKeys returns the catalogue's keys, sorted (tests walk them).
func ExplainKeys() []string {
	out := make([]string, 0, len(explainMessages))
	for k := range explainMessages {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func explainTemplate(key, lang string) (string, bool) {
	m, ok := explainMessages[key]
	if !ok {
		return "", false
	}
	if lang == "en" {
		return m.en, true
	}
	return m.nl, true
}

// Lead reports whether the step states the decision itself rather than reasoning
// towards it.
func (s Step) Lead() bool { return explainMessages[s.Key].lead }

// Text is the step as a sentence in lang ("nl" or "en"). A step without a key (stored
// before keys existed, or built outside internal/terms) reads as its English Says.
func (s Step) Text(lang string) string {
	tpl, ok := explainTemplate(s.Key, lang)
	if s.Key == "" || !ok {
		return s.Says
	}
	return fill(tpl, lang, s.Args)
}

// In is the explanation as plain sentences in lang, one per step.
func (e Explanation) In(lang string) string {
	parts := make([]string, 0, len(e))
	for _, s := range e {
		if t := s.Text(lang); t != "" {
			parts = append(parts, t)
		}
	}
	return strings.Join(parts, " ")
}

// Lead returns the steps a customer reads first: those whose sentence states the
// decision, or else the last step (what the explanation arrives at).
func (e Explanation) Lead() Explanation {
	var out Explanation
	for _, s := range e {
		if s.Key != "" && s.Lead() {
			out = append(out, s)
		}
	}
	if len(out) == 0 && len(e) > 0 {
		out = e[len(e)-1:]
	}
	return out
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+):([a-z]+)\}`)

// MissingArg marks a placeholder without its argument; tests look for it.
const MissingArg = "⟦?⟧"

func fill(tpl, lang string, args map[string]string) string {
	return placeholderRE.ReplaceAllStringFunc(tpl, func(ph string) string {
		m := placeholderRE.FindStringSubmatch(ph)
		v, ok := args[m[1]]
		if !ok {
			return MissingArg
		}
		return FormatArg(lang, m[2], v)
	})
}

var monthWords = [2][12]string{
	{"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"},
	{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"},
}

// DateWords writes d as "4 december 2026" (nl) or "4 December 2026" (en).
func DateWords(lang string, d Date) string {
	if d.IsZero() {
		return "—"
	}
	i := 0
	if lang == "en" {
		i = 1
	}
	return fmt.Sprintf("%d %s %d", d.Day(), monthWords[i][d.Month()-1], d.Year())
}

// PeriodWords writes p in lang: "3 maanden", "1 jaar", "5 werkdagen" / "3 months".
func PeriodWords(lang string, p Period) string {
	if p.IsZero() {
		p = Period{Unit: Days}
	}
	if lang == "en" {
		return p.Words()
	}
	name := map[Unit][2]string{
		Days: {"dag", "dagen"}, Weeks: {"week", "weken"}, Werkdagen: {"werkdag", "werkdagen"},
		Months: {"maand", "maanden"}, Years: {"jaar", "jaar"},
	}[p.Unit]
	if p.N == 1 {
		return "1 " + name[0]
	}
	return fmt.Sprintf("%d %s", p.N, name[1])
}

// FormatArg writes one argument of type typ (see the catalogue's comment) in lang. It
// accepts the typed value and the form JSON gives it back in (string or number).
func FormatArg(lang, typ string, v any) string {
	switch typ {
	case "date":
		switch x := v.(type) {
		case Date:
			return DateWords(lang, x)
		case time.Time:
			return DateWords(lang, DateIn(x, clock.Amsterdam))
		case string:
			if d, err := ParseDate(x); err == nil {
				return DateWords(lang, d)
			}
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				return DateWords(lang, DateIn(t, clock.Amsterdam))
			}
		}
	case "time":
		var t time.Time
		switch x := v.(type) {
		case time.Time:
			t = x
		case string:
			var err error
			if t, err = time.Parse(time.RFC3339Nano, x); err != nil {
				return x
			}
		default:
			return fmt.Sprint(v)
		}
		t = t.In(clock.Amsterdam)
		at := " om "
		if lang == "en" {
			at = " at "
		}
		return DateWords(lang, DateIn(t, clock.Amsterdam)) + at + t.Format("15:04")
	case "money":
		switch x := v.(type) {
		case Money:
			return x.In(lang)
		case string:
			if m, err := ParseMoney(x); err == nil {
				return m.In(lang)
			}
		case float64:
			return Money(math.Round(x * 100)).In(lang)
		}
	case "period":
		switch x := v.(type) {
		case Period:
			return PeriodWords(lang, x)
		case string:
			if p, err := ParsePeriod(x); err == nil || x == "" {
				return PeriodWords(lang, p)
			}
		}
	case "rate":
		var s string
		switch x := v.(type) {
		case Rate:
			s = x.String()
		case float64:
			s = strconv.FormatFloat(x, 'f', -1, 64)
		case json.Number:
			s = x.String()
		default:
			s = fmt.Sprint(v)
		}
		if lang != "en" {
			s = strings.ReplaceAll(s, ".", ",")
		}
		return s
	case "month":
		// A calendar month as "2026-03" (sla.Month's text): "maart 2026" / "March 2026".
		if t, err := time.Parse("2006-01", fmt.Sprint(v)); err == nil {
			i := 0
			if lang == "en" {
				i = 1
			}
			return monthWords[i][t.Month()-1] + " " + strconv.Itoa(t.Year())
		}
	case "int":
		switch x := v.(type) {
		case float64:
			return strconv.FormatInt(int64(x), 10)
		default:
			return fmt.Sprint(v)
		}
	case "text":
		return fmt.Sprint(v)
	default: // a label group
		code := fmt.Sprint(v)
		if tpl, ok := explainTemplate(typ+"."+code, lang); ok {
			return tpl
		}
		return code
	}
	return fmt.Sprint(v)
}
