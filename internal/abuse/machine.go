package abuse

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/textproto"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/inbound"
)

// MachineReport is an automatic abuse report, from X-ARF v4 or ARF (RFC 5965), in the
// terms of the case model.
type MachineReport struct {
	Format      string // "xarf" or "arf"
	Kind        string // phishing, malware, spam, other: the keys of the pack's escalate_at
	Target      string // the URL, or else the address or domain reported
	Reporter    string // who reports (organisation or address)
	ReportID    string
	At          time.Time
	Description string
}

// Errors of the parsers: the report is recorded as an ordinary mail instead.
var (
	ErrNoReport  = errors.New("abuse: no machine-readable report")
	ErrBadReport = errors.New("abuse: malformed machine-readable report")
)

const maxReportBytes = 1 << 20

var xarfVersion = regexp.MustCompile(`^4\.[0-9]+\.[0-9]+$`)

// ParseXARF reads an X-ARF v4 report (JSON; https://xarf.org schemas/v4/xarf-core.json):
// xarf_version 4.x.y, category, type, source_identifier and, for content reports, url.
func ParseXARF(data []byte) (MachineReport, error) {
	if len(data) == 0 || len(data) > maxReportBytes {
		return MachineReport{}, ErrBadReport
	}
	var x struct {
		Version     string `json:"xarf_version"`
		ReportID    string `json:"report_id"`
		Timestamp   string `json:"timestamp"`
		Category    string `json:"category"`
		Type        string `json:"type"`
		Source      string `json:"source_identifier"`
		URL         string `json:"url"`
		Description string `json:"description"`
		Reporter    struct {
			Org     string `json:"org"`
			Contact string `json:"contact"`
		} `json:"reporter"`
	}
	if err := json.Unmarshal(data, &x); err != nil {
		return MachineReport{}, ErrBadReport
	}
	if !xarfVersion.MatchString(x.Version) || x.Category == "" || x.Type == "" || (x.Source == "" && x.URL == "") {
		return MachineReport{}, ErrBadReport
	}
	r := MachineReport{Format: "xarf", ReportID: clip(x.ReportID, 200), Description: clip(x.Description, 1000),
		Target: clip(firstOf(x.URL, x.Source), 2048), Reporter: clip(firstOf(x.Reporter.Org, x.Reporter.Contact), 200)}
	if t, err := time.Parse(time.RFC3339, x.Timestamp); err == nil {
		r.At = t.UTC()
	}
	switch t := strings.ToLower(x.Type); {
	case t == "phishing":
		r.Kind = "phishing"
	case t == "malware" || t == "infected_host" || t == "botnet":
		r.Kind = "malware"
	case t == "spam" || t == "bulk_messaging":
		r.Kind = "spam"
	default:
		r.Kind = "other"
	}
	return r, nil
}

// ParseARF reads the machine part (message/feedback-report) of an ARF report (RFC 5965
// section 3.1): Feedback-Type, and what it reports in Reported-URI, Source-IP or
// Reported-Domain.
func ParseARF(data []byte) (MachineReport, error) {
	if len(data) == 0 || len(data) > maxReportBytes || !utf8.Valid(data) {
		return MachineReport{}, ErrBadReport
	}
	data = bytes.TrimLeft(data, "\r\n")
	rd := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(append([]byte{}, data...), "\r\n\r\n"...))))
	h, err := rd.ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return MachineReport{}, ErrBadReport
	}
	ft := strings.ToLower(strings.TrimSpace(h.Get("Feedback-Type")))
	if ft == "" || strings.TrimSpace(h.Get("Version")) == "" {
		return MachineReport{}, ErrBadReport
	}
	r := MachineReport{Format: "arf", Reporter: clip(h.Get("User-Agent"), 200),
		Target: clip(firstOf(h.Get("Reported-Uri"), h.Get("Source-Ip"), h.Get("Reported-Domain")), 2048)}
	r.Target = strings.Trim(strings.TrimSpace(r.Target), "<>")
	if r.Target == "" {
		return MachineReport{}, ErrBadReport
	}
	if t, err := time.Parse(time.RFC1123Z, strings.TrimSpace(h.Get("Arrival-Date"))); err == nil {
		r.At = t.UTC()
	}
	switch ft {
	case "fraud":
		r.Kind = "phishing"
	case "virus":
		r.Kind = "malware"
	case "abuse":
		r.Kind = "spam"
	case "not-spam":
		return MachineReport{}, ErrNoReport
	default:
		r.Kind = "other"
	}
	return r, nil
}

// MachineReportOf finds an X-ARF (application/json part, or a JSON body) or ARF
// (message/feedback-report part) report in a received mail.
func MachineReportOf(m *inbound.Message) (MachineReport, error) {
	for _, p := range m.Parts {
		switch p.ContentType {
		case "message/feedback-report":
			return ParseARF(p.Data)
		case "application/json":
			return ParseXARF(p.Data)
		}
	}
	if t := strings.TrimSpace(m.Text); strings.HasPrefix(t, "{") && strings.Contains(t, "xarf_version") {
		return ParseXARF([]byte(t))
	}
	return MachineReport{}, ErrNoReport
}

func firstOf(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

func clip(s string, n int) string {
	s = strings.ToValidUTF8(strings.TrimSpace(s), "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
