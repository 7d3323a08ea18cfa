package terms

// Sentences of the privacy rules (rules_privacy.go): breaches, data subject requests
// and subprocessor objections.
var privacyExplainMessages = map[string]explainMsg{
	"privacy.breach_notice": {nl: "Een datalek ontdekt op {discovered:time} melden we binnen {hours:int} uur aan de getroffen klanten: uiterlijk {notify_by:time}. Na {alert_hours:int} uur krijgen medewerkers een waarschuwing.",
		en: "A breach discovered at {discovered:time} is reported to the affected customers within {hours:int} hours: by {notify_by:time}. Staff are alerted after {alert_hours:int} hours.", lead: true},
	"privacy.breach_authority": {nl: "Wij zijn zelf verwerkingsverantwoordelijke voor deze gegevens en melden het lek binnen {hours:int} uur aan de Autoriteit Persoonsgegevens ({basis:text}): uiterlijk {authority_by:time}.",
		en: "We are ourselves controller of these data and notify the Dutch Data Protection Authority within {hours:int} hours ({basis:text}): by {authority_by:time}."},
	"privacy.dsar": {nl: "Een verzoek ontvangen op {received:date} beantwoorden we binnen {period:period}: uiterlijk {due:date}. Met een gemotiveerd bericht binnen die termijn kan dat met {extension:period} worden verlengd, tot uiterlijk {extended_to:date}.",
		en: "A request received on {received:date} is answered within {period:period}: by {due:date}. With a reasoned notice within that period it can be extended by {extension:period}, to {extended_to:date} at the latest.", lead: true},
	"privacy.objection_in_time": {nl: "Het bezwaar is ontvangen op {received:date}; de termijn liep tot en met {by:date}.",
		en: "The objection was received on {received:date}; the period ran until {by:date}.", lead: true},
	"privacy.objection_late": {nl: "Het bezwaar kwam na de termijn binnen ({received:date}, termijn tot en met {by:date}); het is vastgelegd, maar geeft geen recht om de overeenkomst te beëindigen.",
		en: "The objection arrived after the period ({received:date}, period until {by:date}); it is recorded but gives no right to end the agreement.", lead: true},
	"cancel.basis.subprocessor": {nl: "Je bezwaar tegen de nieuwe subverwerker is niet weggenomen, dus je mag de betrokken overeenkomsten beëindigen met ingang van de wijziging ({applies_on:date}); het contract eindigt op {ends:date}.",
		en: "Your objection to the new subprocessor was not accommodated, so you may end the affected agreements as of the change ({applies_on:date}); the contract ends on {ends:date}.", lead: true},
}

func init() {
	for k, m := range privacyExplainMessages {
		if _, dup := explainMessages[k]; dup {
			panic("terms: explanation key " + k + " defined twice")
		}
		explainMessages[k] = m
	}
}
