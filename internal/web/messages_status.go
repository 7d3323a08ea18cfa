package web

// statusMessages are the texts of the public status page and the staff incident and
// maintenance pages: key → {Dutch, English}, merged into messages.
var statusMessages = map[string][2]string{
	"status.title":                  {"Status van de dienstverlening", "Service status"},
	"status.updated":                {"bijgewerkt %s", "updated %s"},
	"status.state.operational":      {"Alles werkt", "All systems working"},
	"status.state.degraded":         {"Verstoring", "Disruption"},
	"status.state.outage":           {"Storing", "Outage"},
	"status.state.maintenance":      {"Onderhoud", "Maintenance"},
	"status.impact.minor":           {"beperkt", "minor"},
	"status.impact.major":           {"groot", "major"},
	"status.impact.critical":        {"ernstig", "critical"},
	"status.incident.investigating": {"Onderzoek", "Investigating"},
	"status.incident.identified":    {"Oorzaak gevonden", "Identified"},
	"status.incident.monitoring":    {"In de gaten gehouden", "Monitoring"},
	"status.incident.resolved":      {"Opgelost", "Resolved"},
	"status.affected":               {"Geraakt", "Affected"},
	"status.maintenance":            {"Gepland onderhoud", "Scheduled maintenance"},
	"status.emergency":              {"spoed", "emergency"},
	"status.running":                {"bezig", "in progress"},
	"status.services":               {"Diensten", "Services"},
	"status.service":                {"Dienst", "Service"},
	"status.location":               {"Locatie", "Location"},
	"status.now":                    {"Nu", "Now"},
	"status.days":                   {"Beschikbaarheid, %d dagen", "Availability, %d days"},
	"status.kind.webhosting":        {"Webhosting", "Web hosting"},
	"status.kind.email":             {"E-mail", "E-mail"},
	"status.kind.vps":               {"VPS", "VPS"},
	"status.kind.container":         {"Containers", "Containers"},
	"status.kind.vpn":               {"VPN", "VPN"},
	"status.no_services":            {"Er worden nog geen diensten gemeten.", "No services are measured yet."},
	"status.history":                {"Eerdere verstoringen", "Past incidents"},
	"status.no_history":             {"Geen verstoringen in de afgelopen 90 dagen.", "No incidents in the past 90 days."},
	"status.subscribe":              {"Berichten per e-mail", "Updates by e-mail"},
	"status.email":                  {"E-mailadres", "E-mail address"},
	"status.subscribe_button":       {"Aanmelden", "Subscribe"},
	"status.feed":                   {"Atom-feed", "Atom feed"},
	"status.subscribe_sent":         {"Als %s nog niet aangemeld was, staat er nu een mail met een bevestigingslink klaar. Pas na bevestigen krijg je berichten.", "If %s was not subscribed yet, a mail with a confirmation link is on its way. You get updates only after confirming."},
	"status.confirmed":              {"Je aanmelding is bevestigd. Je krijgt voortaan een mail bij storingen en onderhoud.", "Your subscription is confirmed. From now on you get a mail about disruptions and maintenance."},
	"status.bad_link":               {"Deze link werkt niet (meer). Misschien is hij al gebruikt.", "This link does not work (any more). It may have been used already."},
	"status.unsubscribe_q":          {"Wil je geen berichten over storingen en onderhoud meer ontvangen?", "Do you want to stop receiving updates about disruptions and maintenance?"},
	"status.unsubscribe_button":     {"Afmelden", "Unsubscribe"},
	"status.unsubscribed":           {"Je bent afgemeld; je adres is verwijderd.", "You have been unsubscribed; your address has been deleted."},
	"status.back":                   {"Naar de statuspagina", "To the status page"},
}

func init() {
	for k, v := range statusMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
