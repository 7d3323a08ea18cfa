package web

// storefrontMessages are the texts of the public shop and the sign-up: key → {Dutch,
// English}, merged into messages.
var storefrontMessages = map[string][2]string{
	"shop.title":            {"Onze diensten", "Our services"},
	"shop.intro":            {"Kies een dienst. Je ziet de prijs per periode; bestellen doe je na het aanmelden, met de voorwaarden erbij.", "Choose a service. You see the price per period; you order after signing up, with the terms alongside."},
	"shop.view":             {"Prijzen tonen voor", "Show prices for"},
	"shop.for_consumers":    {"Particulieren", "Consumers"},
	"shop.for_business":     {"Bedrijven", "Businesses"},
	"shop.prices_consumer":  {"Prijzen inclusief btw; de prijs zonder btw staat ernaast.", "Prices including VAT; the price without VAT is beside it."},
	"shop.prices_business":  {"Prijzen exclusief btw; de prijs met btw staat ernaast.", "Prices excluding VAT; the price with VAT is beside it."},
	"shop.choose":           {"Bekijken", "View"},
	"shop.signup":           {"Aanmelden", "Sign up"},
	"shop.have_account":     {"Ik ben al klant: inloggen", "I am a customer: sign in"},
	"shop.storage":          {"Opslag", "Storage"},
	"shop.traffic":          {"Dataverkeer", "Traffic"},
	"shop.yes":              {"ja", "yes"},
	"shop.no":               {"nee", "no"},
	"shop.vat_note":         {"De btw wordt bij het bestellen berekend naar jouw situatie; een bedrijf in een ander EU-land met een geldig btw-nummer betaalt geen Nederlandse btw.", "VAT is worked out for your situation when you order; a business in another EU country with a valid VAT number pays no Dutch VAT."},
	"signup.title":          {"Aanmelden", "Sign up"},
	"signup.intro":          {"Meld je aan als particulier of als bedrijf. We sturen je een link om je e-mailadres te bevestigen.", "Sign up as a consumer or as a business. We send you a link to confirm your e-mail address."},
	"signup.intro_plan":     {"Je kiest voor %s. Meld je aan als particulier of als bedrijf; daarna bestel je met de voorwaarden erbij.", "You chose %s. Sign up as a consumer or as a business; then you order with the terms alongside."},
	"signup.you":            {"Jouw gegevens", "Your details"},
	"signup.kind":           {"Ik meld me aan als", "I sign up as"},
	"signup.name":           {"Naam of bedrijfsnaam", "Name or company name"},
	"signup.name_hint":      {"Als bedrijf: de naam zoals bij de KvK ingeschreven.", "As a business: the name registered with the KvK."},
	"signup.contact_hint":   {"Alleen voor een bedrijf: wie wij kunnen aanspreken.", "For a business only: whom we can address."},
	"signup.email_hint":     {"Hier sturen we de bevestigingslink heen.", "We send the confirmation link here."},
	"signup.business_hint":  {"Alleen voor een bedrijf. Een Nederlands bedrijf vult het KvK-nummer (8 cijfers) in; het btw-nummer wordt op zijn controlecijfer gecontroleerd.", "For a business only. A Dutch business gives its KvK number (8 digits); the VAT number is checked on its check digits."},
	"signup.submit":         {"Aanmelden", "Sign up"},
	"signup.pow_nojs":       {"Voor het aanmelden rekent je browser eerst een korte controle tegen spam uit; daarvoor is JavaScript nodig.", "Before you sign up your browser works out a short check against spam; this needs JavaScript."},
	"signup.pow_working":    {"Je browser doet een korte controle tegen spam…", "Your browser is doing a short check against spam…"},
	"signup.pow_done":       {"Controle gedaan: je kunt je aanmelden.", "Check done: you can sign up."},
	"signup.pow_failed":     {"De controle tegen spam is niet gelukt of verlopen. Probeer het nog eens.", "The check against spam did not succeed or expired. Please try again."},
	"signup.refused":        {"We kunnen deze aanmelding niet aannemen. Neem contact met ons op als je denkt dat dit niet klopt.", "We cannot accept this sign-up. Please contact us if you think this is wrong."},
	"signup.sent":           {"We hebben een link gestuurd naar %s. Open de link om je aanmelding te bevestigen.", "We sent a link to %s. Open it to confirm your sign-up."},
	"signup.sent_more":      {"Geen e-mail ontvangen? Kijk in je map met ongewenste mail. Heb je al een account met dit adres, log dan in.", "No e-mail? Look in your spam folder. If you already have an account with this address, sign in."},
	"signup.verify_title":   {"Aanmelding bevestigen", "Confirm your sign-up"},
	"signup.verified":       {"Welkom, %s. Je e-mailadres %s is bevestigd. Kies een wachtwoord om je account te openen.", "Welcome, %s. Your e-mail address %s is confirmed. Choose a password to open your account."},
	"signup.finish":         {"Account openen", "Open my account"},
	"signup.invalid_title":  {"Link werkt niet", "Link does not work"},
	"signup.invalid":        {"Deze link is verlopen of al gebruikt. Meld je opnieuw aan; je krijgt dan een nieuwe link.", "This link has expired or was used already. Sign up again to get a new link."},
	"signup.again":          {"Opnieuw aanmelden", "Sign up again"},
	"flash.signup_done":     {"Je account is geopend. Je kunt nu bestellen.", "Your account is open. You can order now."},
	"order.domain_register": {"De naam die je wilt registreren, bijvoorbeeld mijnbedrijf.nl. We controleren hier alleen of de naam geldig is; of hij nog vrij is, horen we na het bestellen.", "The name you want to register, for example mycompany.nl. Here we check only that the name is valid; whether it is still free we learn after you order."},
	"order.read_terms":      {"Lees de voorwaarden over opzegging:", "Read the terms on cancellation:"},
}

func init() {
	for k, v := range storefrontMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
