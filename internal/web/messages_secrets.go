package web

// secretMessages are the texts of the one-time secret pages: key → {Dutch, English}.
var secretMessages = map[string][2]string{
	"nav.secrets":          {"Eenmalige link", "One-time link"},
	"secret.new_title":     {"Wachtwoord delen met een eenmalige link", "Share a password with a one-time link"},
	"secret.new_intro":     {"Stuur een wachtwoord nooit per e-mail, telefoon of chat. Zet het hier neer: u krijgt een link die één keer opent en daarna niets meer laat zien, en die ook vanzelf verloopt. Ten hoogste %d KB tekst.", "Never send a password by e-mail, phone or chat. Put it here: you get a link that opens once and shows nothing after that, and that also expires by itself. At most %d KB of text."},
	"secret.security_text": {"Moet u iemand een wachtwoord geven? Maak een link die één keer opent, in plaats van het te mailen, te bellen of te chatten.", "Need to give someone a password? Make a link that opens once, instead of mailing, phoning or chatting it."},
	"secret.text":          {"Geheim", "Secret"},
	"secret.text_hint":     {"Bijvoorbeeld een wachtwoord met de gebruikersnaam erbij. Wij bewaren het versleuteld; de sleutel zit alleen in de link.", "For example a password with its user name. We keep it encrypted; the key is only in the link."},
	"secret.lifetime":      {"Verloopt na", "Expires after"},
	"secret.life_1h":       {"1 uur", "1 hour"},
	"secret.life_1d":       {"1 dag", "1 day"},
	"secret.life_3d":       {"3 dagen", "3 days"},
	"secret.life_7d":       {"7 dagen", "7 days"},
	"secret.create":        {"Link maken", "Make the link"},
	"secret.created_title": {"Uw eenmalige link", "Your one-time link"},
	"secret.created_lead":  {"De link werkt één keer, tot uiterlijk %s.", "The link works once, until %s at the latest."},
	"secret.link":          {"Link", "Link"},
	"secret.created_hint":  {"Kopieer de link nu: wij laten hem niet nog eens zien. Wie hem opent, ziet eerst een knop; pas die knop toont het geheim en wist het.", "Copy the link now: we will not show it again. Whoever opens it first sees a button; only that button shows the secret and erases it."},
	"secret.another":       {"Nog een link maken", "Make another link"},
	"secret.peek_title":    {"Eenmalig geheim", "One-time secret"},
	"secret.waiting":       {"Er staat een geheim voor u klaar, tot uiterlijk %s.", "A secret is waiting for you, until %s at the latest."},
	"secret.waiting_hint":  {"Het geheim is maar één keer te zien: na de knop is het gewist. Zorg dat u het kunt opslaan, bijvoorbeeld in uw wachtwoordbeheerder.", "The secret can be seen only once: after the button it is erased. Make sure you can store it, for example in your password manager."},
	"secret.reveal":        {"Toon het geheim", "Show the secret"},
	"secret.revealed_once": {"Dit is de enige keer dat u het ziet: het is nu bij ons gewist.", "This is the only time you see it: it has now been erased on our side."},
	"secret.gone":          {"Deze link is al gebruikt of verlopen, of hij klopt niet.", "This link has been used already or has expired, or it is not right."},
	"secret.gone_hint":     {"Vraag wie u de link stuurde om een nieuwe. Opende u hem zelf niet en is hij toch gebruikt? Meld het dan: iemand anders kan het geheim hebben gezien.", "Ask whoever sent you the link for a new one. If you did not open it yourself and it was used anyway, tell them: someone else may have seen the secret."},
	"svc.creds_link":       {"Als eenmalige link doorgeven", "Hand over as a one-time link"},
	"svc.creds_link_hint":  {"Geeft u de gegevens aan iemand anders, zoals uw webbouwer? Maak er dan een eenmalige link van in plaats van ze te mailen.", "Handing the details to someone else, such as your web developer? Make them a one-time link instead of mailing them."},
	"svc.creds_link_title": {"Eenmalige link met de inloggegevens", "One-time link with the login details"},
	"svc.creds_link_lead":  {"De inloggegevens zijn hier gewist en staan achter deze link, die één keer werkt tot uiterlijk %s. Kopieer hem nu.", "The login details have been erased here and wait behind this link, which works once until %s at the latest. Copy it now."},
	"flash.secret_created": {"De link is gemaakt.", "The link has been made."},
}

func init() {
	for k, v := range secretMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " defined twice")
		}
		messages[k] = v
	}
}
