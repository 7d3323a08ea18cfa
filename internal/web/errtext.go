package web

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The accounts service words its field errors in English. The Dutch UI translates the
// ones it knows here; a message it does not know is shown as the service wrote it,
// which is still a message a person can act on. Keep this table in step with the
// service's validation texts (TestServiceMessagesAreTranslated lists them).
type errPattern struct {
	re *regexp.Regexp
	nl string // replacement with $1, $2 for the captured parts
}

func ep(re, nl string) errPattern { return errPattern{regexp.MustCompile("^" + re + "$"), nl} }

var dutchErrors = []errPattern{
	ep(`this field is required`, "Vul dit veld in"),
	ep(`enter an e-mail address`, "Vul een e-mailadres in"),
	ep(`enter an e-mail address like (.+)`, "Vul een e-mailadres in, zoals $1"),
	ep(`this e-mail address already has an account`, "Er bestaat al een account met dit e-mailadres"),
	ep(`enter a phone number like (.+)`, "Vul een telefoonnummer in, zoals $1"),
	ep(`enter a postal code`, "Vul een postcode in"),
	ep(`a Dutch postal code looks like 1234 AB`, "Een Nederlandse postcode ziet eruit als 1234 AB"),
	ep(`choose a country`, "Kies een land"),
	ep(`choose a country from the list`, "Kies een land uit de lijst"),
	ep(`choose nl or en`, "Kies Nederlands of Engels"),
	ep(`choose consumer or business`, "Kies consument of zakelijk"),
	ep(`use at least (\d+) characters`, "Gebruik minstens $1 tekens"),
	ep(`use at most (\d+) characters`, "Gebruik hoogstens $1 tekens"),
	ep(`use letters, digits, spaces and hyphens only`, "Gebruik alleen letters, cijfers, spaties en streepjes"),
	ep(`contains a control character`, "Bevat een stuurteken"),
	ep(`contains invalid characters`, "Bevat ongeldige tekens"),
	ep(`contains an invisible formatting character \((U\+[0-9A-F]+)\); remove it`, "Bevat een onzichtbaar opmaakteken ($1); haal het weg"),
	ep(`the address mixes letters of different scripts that look alike \(such as Latin and Cyrillic\); type it again`, "Het adres mengt letters uit verschillende schriften die op elkaar lijken (zoals Latijns en Cyrillisch); typ het opnieuw"),
	ep(`you can grant or take away only permissions you hold yourself; you do not hold (.+)`, "Je kunt alleen rechten geven of afnemen die je zelf hebt; jij hebt niet: $1"),
	ep(`the password contains a control character`, "Het wachtwoord bevat een stuurteken"),
	ep(`the password contains invalid characters`, "Het wachtwoord bevat ongeldige tekens"),
	ep(`choose a password different from your current one`, "Kies een ander wachtwoord dan je huidige"),
	ep(`this is not your current password`, "Dit is niet je huidige wachtwoord"),
	ep(`a KvK number has 8 digits`, "Een KvK-nummer heeft 8 cijfers"),
	ep(`a Dutch business needs its KvK number`, "Een Nederlands bedrijf heeft een KvK-nummer nodig"),
	ep(`a consumer has no KvK number; choose business if this customer has one`, "Een consument heeft geen KvK-nummer; kies zakelijk als deze klant er een heeft"),
	ep(`a consumer has no VAT number; choose business if this customer has one`, "Een consument heeft geen btw-nummer; kies zakelijk als deze klant er een heeft"),
	ep(`enter a VAT number`, "Vul een btw-nummer in"),
	ep(`a VAT number starts with a country code, like (.+)`, "Een btw-nummer begint met een landcode, zoals $1"),
	ep(`a VAT number starts with the code of an EU country, like NL or DE`, "Een btw-nummer begint met de code van een EU-land, zoals NL of DE"),
	ep(`a Greek VAT number starts with EL`, "Een Grieks btw-nummer begint met EL"),
	ep(`this is not a valid (\w+) VAT number format`, "Dit is geen geldig btw-nummer voor $1"),
	ep(`this Dutch VAT number does not exist \(check digit is wrong\)`, "Dit Nederlandse btw-nummer bestaat niet (het controlecijfer klopt niet)"),
	ep(`only a business can be a reseller`, "Alleen een bedrijf kan reseller zijn"),
	ep(`a reseller's customer cannot be a reseller itself`, "Een klant van een reseller kan zelf geen reseller zijn"),
	ep(`choose a reseller from the list`, "Kies een bestaande reseller"),
	ep(`this reseller still has (\d+) customers; move them first`, "Deze reseller heeft nog $1 klanten; verplaats die eerst"),
	ep(`there is no organisation (\d+)`, "Klant $1 bestaat niet"),
	ep(`choose at least one role`, "Kies minstens één rol"),
	ep(`only staff have roles`, "Alleen medewerkers hebben rollen"),
	ep(`staff have roles, not permissions`, "Medewerkers hebben rollen, geen rechten"),
	ep(`staff do not administer a customer organisation`, "Medewerkers beheren geen klantorganisatie"),
	ep(`"(.*)" is not a role`, "‘$1’ is geen rol"),
	ep(`"(.*)" is not a permission`, "‘$1’ is geen recht"),
	ep(`"(.*)" is not a scope; choose read or write`, "‘$1’ is geen geldige keuze; kies lezen of wijzigen"),
	ep(`choose read, or read and write`, "Kies lezen, of lezen en wijzigen"),
	ep(`choose 0 \(no expiry\) to (\d+) days`, "Kies 0 (verloopt niet) tot $1 dagen"),
	ep(`you have (\d+) tokens; revoke one you no longer use first`, "Je hebt $1 sleutels; trek eerst een sleutel in die je niet meer gebruikt"),
	ep(`"(.*)" is not an IP address or range \(like (.+) or (.+)\)`, "‘$1’ is geen IP-adres of -reeks (zoals $2 of $3)"),
	ep(`use at most (\d+) addresses or ranges`, "Gebruik hoogstens $1 adressen of reeksen"),
	ep(`your current address (.+) is not in the list; add it, or you would lock yourself out`, "Je huidige adres $1 staat niet in de lijst; voeg het toe, anders sluit je jezelf buiten"),

	// billing and payments (credit notes, bank statements, mandates)
	ep(`give the reason for the credit note \(at most (\d+) characters\)`, "Geef de reden van de creditnota (hoogstens $1 tekens)"),
	ep(`at most the line's amount, (.+)`, "Hoogstens het bedrag van de regel, $1"),
	ep(`the file is empty`, "Het bestand is leeg"),
	ep(`the file is not UTF-8 text; is this a CAMT.053 XML statement\?`, "Het bestand is geen UTF-8-tekst; is dit wel een CAMT.053-rekeningafschrift in XML?"),
	ep(`no XML element found; is this a CAMT.053 XML statement \(not CSV or MT940\)\?`, "Geen XML gevonden; is dit wel een CAMT.053-rekeningafschrift in XML (geen CSV of MT940)?"),
	ep(`not well-formed XML at line (\d+): (.+)`, "Geen geldige XML op regel $1: $2"),
	ep(`this is not an ISO 20022 document \(the root element must be <Document>\)`, "Dit is geen ISO 20022-document (het hoofdelement moet <Document> zijn)"),
	ep(`the file holds no statement`, "Het bestand bevat geen afschrift"),
	ep(`missing`, "ontbreekt"),
	ep(`must be (.+) or (\w+), not (.+)`, "moet $1 of $2 zijn, niet $3"),
}

// passwordParts translates the parts of "add a lowercase letter, a digit and a symbol".
var passwordParts = strings.NewReplacer(
	"a lowercase letter", "een kleine letter", "an uppercase letter", "een hoofdletter",
	"a digit", "een cijfer", "a symbol", "een leesteken", " and ", " en ")

var addParts = regexp.MustCompile(`^add ((?:a |an )[a-z ,]+)$`)

// localiseError renders a service message as a sentence in lang.
func localiseError(lang, msg string) string {
	if lang == "nl" {
		msg = dutchError(msg)
	}
	return sentence(msg)
}

func dutchError(msg string) string {
	for _, p := range dutchErrors {
		if p.re.MatchString(msg) {
			return p.re.ReplaceAllString(msg, p.nl)
		}
	}
	if m := addParts.FindStringSubmatch(msg); m != nil {
		return "Voeg " + passwordParts.Replace(m[1]) + " toe"
	}
	return msg
}

// sentence starts msg with a capital and ends it with a full stop.
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" {
		return msg
	}
	r, n := utf8.DecodeRuneInString(msg)
	msg = string(unicode.ToUpper(r)) + msg[n:]
	if !strings.HasSuffix(msg, ".") && !strings.HasSuffix(msg, "?") && !strings.HasSuffix(msg, "!") {
		msg += "."
	}
	return msg
}
