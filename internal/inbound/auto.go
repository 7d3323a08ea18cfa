package inbound

import (
	"strings"
)

// automatic says whether no person wrote m, and why. RFC 3834 asks a responder not to
// answer Auto-Submitted mail; Precedence (bulk, junk, list) and X-Autoreply are the
// older spellings of the same; List-Id marks list traffic; a null or mailer-daemon sender
// and a delivery status report (RFC 3464) are bounces. Answering any of them is how two
// robots end up mailing each other forever.
func automatic(m *Message) (bool, string) {
	h := m.Header
	if v := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted"))); v != "" && v != "no" {
		return true, "Auto-Submitted: " + v
	}
	switch v := strings.ToLower(strings.TrimSpace(h.Get("Precedence"))); v {
	case "bulk", "junk", "list", "auto_reply":
		return true, "Precedence: " + v
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Auto-Response", "List-Id"} {
		if v := h.Get(k); v != "" {
			return true, k + ": " + v
		}
	}
	if v := strings.ToLower(h.Get("X-Auto-Response-Suppress")); strings.Contains(v, "all") && strings.Contains(strings.ToLower(h.Get("Subject")), "automatic reply") {
		return true, "X-Auto-Response-Suppress: " + v
	}
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" {
		return true, "Return-Path: <>"
	}
	local, _, _ := strings.Cut(m.From.Address, "@")
	switch local {
	case "":
		return true, "From: (none)"
	case "mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply":
		return true, "From: " + m.From.Address
	}
	ct := strings.ToLower(h.Get("Content-Type"))
	if strings.HasPrefix(ct, "multipart/report") && strings.Contains(ct, "delivery-status") {
		return true, "Content-Type: multipart/report; report-type=delivery-status"
	}
	for _, p := range m.Parts {
		if p.ContentType == "message/delivery-status" || p.ContentType == "message/global-delivery-status" {
			return true, "part " + p.ContentType
		}
	}
	return false, ""
}
