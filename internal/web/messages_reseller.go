package web

// resellerMessages are the texts of the reseller's pages (its customers) and of the
// "act for this customer" mode: key → {Dutch, English}, merged into messages.
var resellerMessages = map[string][2]string{
	"nav.my_customers": {"Mijn klanten", "My customers"},

	"reseller.customers_title": {"Mijn klanten", "My customers"},
	"reseller.customers_intro": {"De klanten aan wie je onze diensten doorverkoopt. Je beheert hun gebruikers, ziet hun contracten en facturen en kunt namens hen bestellen.", "The customers to whom you resell our services. You manage their users, see their contracts and invoices and can order on their behalf."},
	"reseller.customers_empty": {"Je hebt nog geen klanten.", "You have no customers yet."},
	"reseller.new_title":       {"Nieuwe klant", "New customer"},
	"reseller.order_for":       {"Bestellen voor deze klant", "Order for this customer"},

	"acting.start":   {"Werken als deze klant", "Act for this customer"},
	"acting.stop":    {"Stoppen", "Stop"},
	"acting.now":     {"Je werkt nu als deze klant", "You are acting for this customer"},
	"acting.banner":  {"Je werkt namens %s, als gebruiker van %s. Alles wat je doet, staat op jouw naam in het logboek van de klant.", "You are acting for %s, as a user of %s. Everything you do is recorded in the customer's activity under your name."},
	"acting.explain": {"Werk je als deze klant, dan zie je het portaal zoals de klant het ziet, met de rechten die jij als reseller hebt. Je blijft zelf degene die handelt.", "While you act for this customer you see the portal as the customer does, with the rights you have as its reseller. You remain the one who acts."},

	"activity.on_behalf": {"%s namens %s", "%s for %s"},

	"flash.acting_started": {"Je werkt nu als deze klant.", "You are now acting for this customer."},
	"flash.acting_stopped": {"Je werkt weer als jezelf.", "You are acting for yourself again."},
}

func init() {
	for k, v := range resellerMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
