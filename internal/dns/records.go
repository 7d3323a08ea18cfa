package dns

import (
	"fmt"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"

	mdns "github.com/miekg/dns"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
)

// Types are the record types a customer edits. Other types in a zone (SOA, NS,
// DNSSEC records) are shown but kept by hostpact and PowerDNS.
var Types = []string{"A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"}

// Record is one record of a zone: Name relative to the zone ("@" is the apex), its
// type and TTL, and its content in presentation format with absolute names, as
// PowerDNS stores it.
type Record struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	TTL     uint32 `json:"ttl"`
	Content string `json:"content"`
}

// Key names the record among the zone's records (TTL is not part of it: a record set
// has one TTL).
func (r Record) Key() string { return r.Name + " " + r.Type + " " + r.Content }

// Editable reports whether customers edit records of this type.
func (r Record) Editable() bool { return slices.Contains(Types, r.Type) }

// RecordInput is a record as a form or the API gives it: text per field, so that every
// field can be refused on its own.
type RecordInput struct {
	Name string `json:"name"` // relative to the zone, "@" or empty for the apex
	Type string `json:"type"`
	TTL  string `json:"ttl"` // seconds; empty: Limits.DefaultTTL
	// Value is the address (A, AAAA), the target host (CNAME, MX, SRV), the text (TXT)
	// or the CAA value.
	Value    string `json:"value"`
	Priority string `json:"priority,omitempty"` // MX, SRV
	Weight   string `json:"weight,omitempty"`   // SRV
	Port     string `json:"port,omitempty"`     // SRV
	Flags    string `json:"flags,omitempty"`    // CAA
	Tag      string `json:"tag,omitempty"`      // CAA: issue, issuewild, iodef
}

// Limits are the operational bounds of the editor: not terms but what the provider's
// nameservers accept.
type Limits struct {
	MinTTL, MaxTTL, DefaultTTL uint32
	// MaxTXT is the most bytes of one TXT record's text (split into strings of 255).
	MaxTXT int
}

// DefaultLimits: a minute to a week, an hour by default; TXT up to 4000 bytes (DKIM
// keys of 4096 bits fit).
var DefaultLimits = Limits{MinTTL: 60, MaxTTL: 604800, DefaultTTL: 3600, MaxTXT: 4000}

// CAATags are the property tags of RFC 8659 the editor offers.
var CAATags = []string{"issue", "issuewild", "iodef"}

// ParseRecord checks a record given for zone field by field and returns it in the form
// PowerDNS stores. Every field that is wrong gets its own message; nothing is guessed.
func ParseRecord(zone string, in RecordInput, lim Limits) (Record, accounts.FieldErrors) {
	fe := accounts.FieldErrors{}
	zone = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(zone)), ".")
	r := Record{Type: strings.ToUpper(strings.TrimSpace(in.Type))}
	if !slices.Contains(Types, r.Type) {
		fe["type"] = i18n.T("dns.err.type")
		return r, fe
	}
	name, msg := relName(zone, in.Name)
	if !msg.IsZero() {
		fe["name"] = msg
	}
	r.Name = name
	r.TTL = lim.DefaultTTL
	if t := strings.TrimSpace(in.TTL); t != "" {
		n, err := strconv.ParseUint(t, 10, 32)
		if err != nil || uint32(n) < lim.MinTTL || uint32(n) > lim.MaxTTL {
			fe["ttl"] = i18n.T("dns.err.ttl", lim.MinTTL, lim.MaxTTL)
		} else {
			r.TTL = uint32(n)
		}
	}
	value := strings.TrimSpace(in.Value)
	if r.Type == "TXT" {
		value = in.Value // spaces in a text are the customer's
	}
	switch r.Type {
	case "A", "AAAA":
		ip, err := netip.ParseAddr(value)
		switch {
		case err != nil || ip.Zone() != "":
			fe["value"] = i18n.T("dns.err.ip")
		case r.Type == "A" && !ip.Is4():
			fe["value"] = i18n.T("dns.err.ipv4")
		case r.Type == "AAAA" && (!ip.Is6() || ip.Is4In6()):
			fe["value"] = i18n.T("dns.err.ipv6")
		default:
			r.Content = ip.String()
		}
	case "CNAME":
		if r.Name == "@" {
			fe["name"] = i18n.T("dns.err.cname_apex")
		}
		if t, m := target(zone, value, false); !m.IsZero() {
			fe["value"] = m
		} else if t == fqdn(r.Name, zone) {
			fe["value"] = i18n.T("dns.err.cname_self")
		} else {
			r.Content = t
		}
	case "MX":
		p, pm := uint16Field(in.Priority)
		if !pm.IsZero() {
			fe["priority"] = pm
		}
		t, m := target(zone, value, false)
		if !m.IsZero() {
			fe["value"] = m
		}
		r.Content = fmt.Sprintf("%d %s", p, t)
	case "TXT":
		c, m := txtContent(value, lim.MaxTXT)
		if !m.IsZero() {
			fe["value"] = m
		}
		r.Content = c
	case "SRV":
		labels := strings.Split(r.Name, ".")
		if len(labels) < 2 || !strings.HasPrefix(labels[0], "_") || !strings.HasPrefix(labels[1], "_") {
			fe["name"] = i18n.T("dns.err.srv_name")
		}
		p, pm := uint16Field(in.Priority)
		w, wm := uint16Field(in.Weight)
		port, portm := uint16Field(in.Port)
		for f, m := range map[string]i18n.Msg{"priority": pm, "weight": wm, "port": portm} {
			if !m.IsZero() {
				fe[f] = m
			}
		}
		t, m := target(zone, value, true)
		if !m.IsZero() {
			fe["value"] = m
		}
		r.Content = fmt.Sprintf("%d %d %d %s", p, w, port, t)
	case "CAA":
		flags, err := strconv.ParseUint(strings.TrimSpace(in.Flags), 10, 8)
		if strings.TrimSpace(in.Flags) == "" {
			flags, err = 0, nil
		}
		if err != nil || flags != 0 && flags != 128 {
			// RFC 8659 defines only the issuer-critical bit; other bits are reserved.
			fe["flags"] = i18n.T("dns.err.caa_flags")
		}
		tag := strings.ToLower(strings.TrimSpace(in.Tag))
		if !slices.Contains(CAATags, tag) {
			fe["tag"] = i18n.T("dns.err.caa_tag")
		}
		if m := caaValue(tag, value); !m.IsZero() {
			fe["value"] = m
		}
		r.Content = fmt.Sprintf("%d %s %q", flags, tag, value)
	}
	if len(fe) > 0 {
		return r, fe
	}
	// The last word is the DNS library's: what it cannot read, PowerDNS would refuse.
	if _, err := mdns.NewRR(fmt.Sprintf("%s %d IN %s %s", fqdn(r.Name, zone), r.TTL, r.Type, r.Content)); err != nil {
		fe["value"] = i18n.T("dns.err.value")
	}
	return r, fe
}

// fqdn is the absolute name of a relative one.
func fqdn(rel, zone string) string {
	if rel == "@" || rel == "" {
		return zone + "."
	}
	return rel + "." + zone + "."
}

// relName reads a name given in the zone: "@" or empty is the apex; a name ending in
// the zone's name (with or without a dot) is taken as that name; another absolute name
// (ending in a dot) is outside the zone and refused.
func relName(zone, s string) (string, i18n.Msg) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" || s == "@" || s == zone || s == zone+"." {
		return "@", i18n.Msg{}
	}
	switch {
	case strings.HasSuffix(s, "."+zone+"."):
		s = strings.TrimSuffix(s, "."+zone+".")
	case strings.HasSuffix(s, "."+zone):
		s = strings.TrimSuffix(s, "."+zone)
	case strings.HasSuffix(s, "."):
		return s, i18n.T("dns.err.outside", zone)
	}
	labels := strings.Split(s, ".")
	for i, l := range labels {
		if l == "*" && i == 0 {
			continue
		}
		if !validLabel(l, true) {
			return s, i18n.T("dns.err.name")
		}
	}
	if len(s)+len(zone)+2 > 254 {
		return s, i18n.T("dns.err.name_long")
	}
	return s, i18n.Msg{}
}

// validLabel: letters, digits and hyphens, not at the ends, at most 63 bytes;
// underscores where service labels (_dmarc, _sip._tcp) need them.
func validLabel(l string, underscore bool) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, c := range []byte(l) {
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
		case c == '_' && underscore:
		default:
			return false
		}
	}
	return true
}

// target reads a host name a record points to: "@" is the zone's apex, a name with a
// dot is absolute (a trailing dot optional), a single label is inside the zone. An
// address is refused: these records point to names (RFC 2181 10.3). "." (no service)
// is allowed for SRV only.
func target(zone, s string, dot bool) (string, i18n.Msg) {
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", i18n.T("dns.err.target_empty")
	case s == "@":
		return zone + ".", i18n.Msg{}
	case s == ".":
		if dot {
			return ".", i18n.Msg{}
		}
		return "", i18n.T("dns.err.target")
	}
	if _, err := netip.ParseAddr(strings.TrimSuffix(s, ".")); err == nil {
		return "", i18n.T("dns.err.target_ip")
	}
	abs := strings.TrimSuffix(s, ".")
	if !strings.Contains(abs, ".") && !strings.HasSuffix(s, ".") {
		abs += "." + zone
	}
	if len(abs) > 253 {
		return "", i18n.T("dns.err.target")
	}
	for _, l := range strings.Split(abs, ".") {
		if !validLabel(l, true) {
			return "", i18n.T("dns.err.target")
		}
	}
	return abs + ".", i18n.Msg{}
}

func uint16Field(s string) (uint16, i18n.Msg) {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
	if err != nil {
		return 0, i18n.T("dns.err.number", 0, 65535)
	}
	return uint16(n), i18n.Msg{}
}

// txtContent quotes a text as character-strings of at most 255 bytes each (RFC 1035
// 3.3.14), escaping quotes, backslashes and bytes outside printable ASCII.
func txtContent(s string, max int) (string, i18n.Msg) {
	if s == "" {
		return "", i18n.T("dns.err.txt_empty")
	}
	if len(s) > max {
		return "", i18n.T("dns.err.txt_long", max)
	}
	for _, c := range []byte(s) {
		if c < 0x20 || c == 0x7f {
			return "", i18n.T("dns.err.txt_control")
		}
	}
	var b strings.Builder
	for i := 0; i < len(s); i += 255 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteByte('"')
		for _, c := range []byte(s[i:min(i+255, len(s))]) {
			switch {
			case c == '"' || c == '\\':
				b.WriteByte('\\')
				b.WriteByte(c)
			case c > 0x7e:
				fmt.Fprintf(&b, "\\%03d", c)
			default:
				b.WriteByte(c)
			}
		}
		b.WriteByte('"')
	}
	return b.String(), i18n.Msg{}
}

// caaValue checks a CAA value by its tag (RFC 8659 4.2-4.4): an issuer domain,
// optionally with parameters, or ";" for "nobody"; iodef is a mailto: or http(s) URL.
func caaValue(tag, v string) i18n.Msg {
	if v == "" || len(v) > 255 || strings.ContainsAny(v, "\"\\") {
		return i18n.T("dns.err.caa_value")
	}
	for _, c := range []byte(v) {
		if c < 0x20 || c > 0x7e {
			return i18n.T("dns.err.caa_value")
		}
	}
	switch tag {
	case "issue", "issuewild":
		domain, _, _ := strings.Cut(v, ";")
		domain = strings.TrimSpace(domain)
		if domain == "" {
			return i18n.Msg{} // ";": no CA may issue
		}
		for _, l := range strings.Split(domain, ".") {
			if !validLabel(strings.ToLower(l), false) {
				return i18n.T("dns.err.caa_issuer")
			}
		}
	case "iodef":
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "mailto" && u.Scheme != "https" && u.Scheme != "http") || u.Opaque == "" && u.Host == "" {
			return i18n.T("dns.err.caa_iodef")
		}
	}
	return i18n.Msg{}
}

// InputOf fills a form from a stored record, for editing it.
func InputOf(zone string, r Record) RecordInput {
	in := RecordInput{Name: r.Name, Type: r.Type, TTL: strconv.FormatUint(uint64(r.TTL), 10), Value: r.Content}
	zone = strings.TrimSuffix(zone, ".")
	rr, err := mdns.NewRR(fmt.Sprintf("%s %d IN %s %s", fqdn(r.Name, zone), r.TTL, r.Type, r.Content))
	if err != nil {
		return in
	}
	short := func(n string) string {
		if n == zone+"." {
			return "@"
		}
		return strings.TrimSuffix(n, ".")
	}
	switch x := rr.(type) {
	case *mdns.CNAME:
		in.Value = short(x.Target)
	case *mdns.MX:
		in.Priority, in.Value = strconv.Itoa(int(x.Preference)), short(x.Mx)
	case *mdns.SRV:
		in.Priority, in.Weight, in.Port = strconv.Itoa(int(x.Priority)), strconv.Itoa(int(x.Weight)), strconv.Itoa(int(x.Port))
		in.Value = short(x.Target)
	case *mdns.TXT:
		in.Value = unescapeTXT(strings.Join(x.Txt, ""))
	case *mdns.CAA:
		in.Flags, in.Tag, in.Value = strconv.Itoa(int(x.Flag)), x.Tag, x.Value
	}
	return in
}

// unescapeTXT undoes the presentation escapes the DNS library keeps in TXT strings.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n, _ := strconv.Atoi(s[i+1 : i+4])
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
