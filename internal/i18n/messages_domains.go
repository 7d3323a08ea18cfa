package i18n

// Texts of the domains service (internal/domains): the errors its functions return,
// shown at a form's field by the web pages and the API in either language.
var _ = add(map[string][2]string{
	"domains.name_invalid":               {"Vul een domeinnaam in zoals voorbeeld.nl: letters, cijfers en koppeltekens, met een extensie.", "Enter a domain name such as example.nl: letters, digits and hyphens, with an extension."},
	"domains.name_taken_s":               {"De naam %s is al geregistreerd en dus niet vrij. Is de naam van u? Verhuis hem dan naar ons met de verhuiscode van uw huidige aanbieder.", "The name %s is already registered and not free. Is the name yours? Then transfer it to us with the transfer code from your current provider."},
	"domains.registry_unreachable_order": {"De registry is nu niet bereikbaar, dus we kunnen niet nagaan of de naam vrij is. Probeer het over een paar minuten opnieuw.", "The registry cannot be reached now, so we cannot check whether the name is free. Please try again in a few minutes."},
	"domains.auth_code_needed":           {"Vul de verhuiscode in die u van uw huidige aanbieder kreeg (hoogstens 64 tekens).", "Enter the transfer code your current provider gave you (at most 64 characters)."},
	"domains.no_token_in_state":          {"Een verhuiscode is er alleen voor een actieve domeinnaam.", "A transfer token exists only for an active domain name."},
	"domains.not_failed_transfer":        {"Deze domeinnaam wacht niet op een nieuwe verhuiscode.", "This domain name is not waiting for a new transfer code."},
	"domains.not_failed_step":            {"Alleen een mislukte stap kan opnieuw worden uitgevoerd.", "Only a failed step can be run again."},
	"domains.not_in_quarantine":          {"Alleen een domeinnaam in quarantaine kan worden teruggehaald.", "Only a domain name in quarantine can be redeemed."},
	"domains.restore_request_needed":     {"Beschrijf het verzoek van de klant: wie vroeg het, wanneer en hoe.", "Describe the customer's request: who asked, when and how."},
	"domains.step_under_way":             {"Deze stap staat al in de wachtrij.", "This step is already in the queue."},
	"domains.tld_invalid":                {"Vul een extensie in zoals nl.", "Enter an extension such as nl."},
	"domains.address_invalid":            {"Vul het adres van de registry in als host:poort.", "Enter the registry's address as host:port."},
})
