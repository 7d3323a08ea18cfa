package web

import "github.com/hostpact/hostpact/internal/accounts"

// countryNames names the countries accounts.Countries allows, for the address forms;
// TestCatalogue checks that every allowed country has a name.
var countryNames = map[string][2]string{
	"NL": {"Nederland", "Netherlands"}, "AT": {"Oostenrijk", "Austria"}, "BE": {"België", "Belgium"},
	"BG": {"Bulgarije", "Bulgaria"}, "CY": {"Cyprus", "Cyprus"}, "CZ": {"Tsjechië", "Czechia"},
	"DE": {"Duitsland", "Germany"}, "DK": {"Denemarken", "Denmark"}, "EE": {"Estland", "Estonia"},
	"ES": {"Spanje", "Spain"}, "FI": {"Finland", "Finland"}, "FR": {"Frankrijk", "France"},
	"GR": {"Griekenland", "Greece"}, "HR": {"Kroatië", "Croatia"}, "HU": {"Hongarije", "Hungary"},
	"IE": {"Ierland", "Ireland"}, "IT": {"Italië", "Italy"}, "LT": {"Litouwen", "Lithuania"},
	"LU": {"Luxemburg", "Luxembourg"}, "LV": {"Letland", "Latvia"}, "MT": {"Malta", "Malta"},
	"PL": {"Polen", "Poland"}, "PT": {"Portugal", "Portugal"}, "RO": {"Roemenië", "Romania"},
	"SE": {"Zweden", "Sweden"}, "SI": {"Slovenië", "Slovenia"}, "SK": {"Slowakije", "Slovakia"},
	"GB": {"Verenigd Koninkrijk", "United Kingdom"}, "CH": {"Zwitserland", "Switzerland"},
	"NO": {"Noorwegen", "Norway"}, "IS": {"IJsland", "Iceland"}, "LI": {"Liechtenstein", "Liechtenstein"},
	"US": {"Verenigde Staten", "United States"}, "CA": {"Canada", "Canada"},
}

func init() {
	for code, names := range countryNames {
		messages["country."+code] = names
	}
}

// countryOptions lists the allowed countries in the service's order (EU first, the
// Netherlands on top); optional adds an empty choice for "same as the postal address".
func countryOptions(optional bool) []option {
	var out []option
	if optional {
		out = append(out, option{Value: "", Text: "—"})
	}
	for _, c := range accounts.Countries {
		out = append(out, option{Value: c, Label: "country." + c})
	}
	return out
}

// Country names a country code in the page's language, or shows the code.
func (p *page) Country(code string) string {
	if hasMessage("country." + code) {
		return p.T("country." + code)
	}
	return code
}
