package probe

import (
	"fmt"
	"sort"
	"strings"
)

// messages renders each reason key in Dutch and English; {name} is replaced by the
// argument of that name. Every key a check can return is here (TestMessagesComplete).
var messages = map[string][2]string{ // nl, en
	"probe.config":              {"De controle is onjuist ingesteld: {field}: {problem}", "The check is misconfigured: {field}: {problem}"},
	"probe.timeout":             {"Geen antwoord binnen {after} (fase: {stage})", "No answer within {after} (stage: {stage})"},
	"probe.canceled":            {"De controle is afgebroken", "The check was cancelled"},
	"probe.connect.refused":     {"Verbinding geweigerd door {address}", "Connection refused by {address}"},
	"probe.connect.unreachable": {"{address} is onbereikbaar", "{address} is unreachable"},
	"probe.connect.resolve":     {"De naam {host} kan niet worden opgezocht", "The name {host} cannot be resolved"},
	"probe.connect.failed":      {"Verbinden met {address} mislukt", "Connecting to {address} failed"},
	"probe.connection.closed":   {"De server verbrak de verbinding (fase: {stage})", "The server closed the connection (stage: {stage})"},
	"probe.io":                  {"Netwerkfout (fase: {stage})", "Network error (stage: {stage})"},

	"probe.tls.version":       {"TLS-versie {got} is te oud; minimaal TLS 1.2 is vereist", "TLS version {got} is too old; TLS 1.2 or newer is required"},
	"probe.tls.expired":       {"Het certificaat is verlopen op {not_after}", "The certificate expired on {not_after}"},
	"probe.tls.not_yet_valid": {"Het certificaat is pas geldig vanaf {not_before}", "The certificate is not valid before {not_before}"},
	"probe.tls.hostname":      {"Het certificaat geldt niet voor {host} (wel voor: {names})", "The certificate is not valid for {host} (it is for: {names})"},
	"probe.tls.untrusted":     {"Het certificaat is uitgegeven door een onbekende uitgever ({issuer})", "The certificate was issued by an unknown authority ({issuer})"},
	"probe.tls.invalid":       {"Het certificaat is ongeldig: {problem}", "The certificate is invalid: {problem}"},
	"probe.tls.not_tls":       {"De server spreekt geen TLS", "The server does not speak TLS"},
	"probe.tls.handshake":     {"De TLS-handshake is mislukt", "The TLS handshake failed"},
	"probe.tls.expires_soon":  {"Het certificaat verloopt over {days_left} dagen ({not_after})", "The certificate expires in {days_left} days ({not_after})"},
	"probe.starttls.missing":  {"De server biedt geen STARTTLS aan", "The server does not offer STARTTLS"},

	"probe.http.status":  {"HTTP-status {got}, verwacht {want}", "HTTP status {got}, expected {want}"},
	"probe.http.keyword": {"De pagina bevat {keyword} niet", "The page does not contain {keyword}"},

	"probe.mysql.greeting": {"Onjuiste begroeting van de MySQL-server: {problem}", "Malformed MySQL server greeting: {problem}"},
	"probe.mysql.refused":  {"De MySQL-server weigert de verbinding: {code} {message}", "The MySQL server refuses the connection: {code} {message}"},
	"probe.mysql.auth":     {"Inloggen als {user} bij MySQL mislukt", "Logging in to MySQL as {user} failed"},
	"probe.mysql.query":    {"SELECT 1 mislukt: {problem}", "SELECT 1 failed: {problem}"},

	"probe.pop3.greeting": {"Onjuiste POP3-begroeting: {got}", "Unexpected POP3 greeting: {got}"},
	"probe.pop3.auth":     {"Inloggen als {user} bij POP3 mislukt", "Logging in to POP3 as {user} failed"},
	"probe.pop3.command":  {"POP3-opdracht {command} mislukt: {got}", "POP3 command {command} failed: {got}"},
	"probe.imap.greeting": {"Onjuiste IMAP-begroeting: {got}", "Unexpected IMAP greeting: {got}"},
	"probe.imap.auth":     {"Inloggen als {user} bij IMAP mislukt", "Logging in to IMAP as {user} failed"},
	"probe.imap.command":  {"IMAP-opdracht {command} mislukt: {got}", "IMAP command {command} failed: {got}"},
	"probe.smtp.banner":   {"Onjuiste SMTP-begroeting: {got}", "Unexpected SMTP banner: {got}"},
	"probe.smtp.command":  {"SMTP-opdracht {command} mislukt: {got}", "SMTP command {command} failed: {got}"},

	"probe.dns.rcode":             {"Naamserver {server} antwoordt {rcode} voor {zone}", "Nameserver {server} answers {rcode} for {zone}"},
	"probe.dns.not_authoritative": {"Naamserver {server} antwoordt niet gezaghebbend voor {zone}", "Nameserver {server} does not answer authoritatively for {zone}"},
	"probe.dns.no_soa":            {"Naamserver {server} geeft geen SOA-record voor {zone}", "Nameserver {server} gives no SOA record for {zone}"},

	"probe.wireguard.handshake": {"Geen WireGuard-handshake met {endpoint}", "No WireGuard handshake with {endpoint}"},
	"probe.wireguard.ping":      {"Geen antwoord op ping naar {address} door de tunnel", "No reply to a ping to {address} through the tunnel"},

	"probe.icmp.no_reply":    {"Geen antwoord op ping naar {address}", "No reply to a ping to {address}"},
	"probe.icmp.unavailable": {"Pingen kan niet vanaf deze meetlocatie (geen ICMP-socket: zie net.ipv4.ping_group_range)", "This probe location cannot ping (no ICMP socket: see net.ipv4.ping_group_range)"},

	// Field errors of a check's configuration (Spec.Validate), shown beside the field.
	"probe.spec.required":       {"Vul dit veld in", "This field is required"},
	"probe.spec.kind":           {"Onbekende soort controle: {kind}", "Unknown kind of check: {kind}"},
	"probe.spec.url":            {"Geef een volledige URL, bijvoorbeeld https://www.example.nl/", "Give a complete URL, for example https://www.example.nl/"},
	"probe.spec.url_scheme":     {"De URL moet beginnen met {scheme}://", "The URL must start with {scheme}://"},
	"probe.spec.host_port":      {"Geef host:poort, bijvoorbeeld mail.example.nl:993", "Give host:port, for example mail.example.nl:993"},
	"probe.spec.host":           {"Geef een hostnaam of IP-adres", "Give a host name or IP address"},
	"probe.spec.ip":             {"Geef een IP-adres", "Give an IP address"},
	"probe.spec.status":         {"HTTP-status {code} bestaat niet (100 tot en met 599)", "HTTP status {code} does not exist (100 to 599)"},
	"probe.spec.too_long":       {"Te lang: hoogstens {max} tekens", "Too long: at most {max} characters"},
	"probe.spec.security":       {"Kies plain, starttls of tls", "Choose plain, starttls or tls"},
	"probe.spec.plaintext_auth": {"Een wachtwoord over een onversleutelde verbinding moet u uitdrukkelijk toestaan", "A password over an unencrypted connection must be allowed explicitly"},
	"probe.spec.line":           {"Mag geen regeleinde bevatten", "Must not contain a line break"},
	"probe.spec.zone":           {"Geef een domeinnaam, bijvoorbeeld example.nl", "Give a domain name, for example example.nl"},
	"probe.spec.key":            {"Geef een WireGuard-sleutel in base64 (44 tekens)", "Give a WireGuard key in base64 (44 characters)"},
	"probe.spec.pem":            {"Geen geldig PEM-certificaat gevonden", "No valid PEM certificate found"},
	"probe.spec.timeout":        {"De tijdslimiet ligt tussen 0 (standaard) en {max} seconden", "The timeout is between 0 (default) and {max} seconds"},
}

// Text renders the reason in lang ("nl" or "en"; anything else is English).
func (r *Reason) Text(lang string) string {
	m, ok := messages[r.Key]
	if !ok {
		return r.Key + argsText(r.Args)
	}
	t := m[1]
	if lang == "nl" {
		t = m[0]
	}
	for k, v := range r.Args {
		t = strings.ReplaceAll(t, "{"+k+"}", fmt.Sprint(v))
	}
	return t
}

func argsText(args map[string]any) string {
	if len(args) == 0 {
		return ""
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s=%v", k, args[k])
	}
	return " {" + strings.Join(parts, ", ") + "}"
}
