package epp

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/domains/registry"
)

var responseSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8"?><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>Command completed successfully</msg></result><resData><domain:chkData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:cd><domain:name avail="0">google.nl</domain:name><domain:reason>in use</domain:reason></domain:cd></domain:chkData></resData><trID><clTRID>a</clTRID><svTRID>b</svTRID></trID></response></epp>`,
	`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="2302"><msg lang="en">Object exists</msg><extValue><value><domain:name xmlns:domain="urn:ietf:params:xml:ns:domain-1.0">x.nl</domain:name></value><reason>taken</reason></extValue></result><extension><sidn-ext-epp:ext xmlns:sidn-ext-epp="http://rxsd.domain-registry.nl/sidn-ext-epp-1.0"><sidn-ext-epp:response><sidn-ext-epp:msg code="T0001" field="name">Domain name already registered</sidn-ext-epp:msg></sidn-ext-epp:response></sidn-ext-epp:ext></extension><trID><svTRID>s</svTRID></trID></response></epp>`,
	`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1301"><msg>ack</msg></result><msgQ count="2" id="17"><qDate>2026-03-01T10:00:00Z</qDate><msg>Transfer</msg></msgQ><resData><sidn-ext-epp:pollData xmlns:sidn-ext-epp="http://rxsd.domain-registry.nl/sidn-ext-epp-1.0"><sidn-ext-epp:command>domain:transfer</sidn-ext-epp:command><sidn-ext-epp:data><result code="1000"><msg>ok</msg></result><resData><domain:trnData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>x.nl</domain:name><domain:trStatus>serverApproved</domain:trStatus><domain:reID>a</domain:reID><domain:reDate>2026-03-01T10:00:00Z</domain:reDate><domain:acID>b</domain:acID><domain:acDate>2026-03-01T10:00:00Z</domain:acDate></domain:trnData></resData></sidn-ext-epp:data></sidn-ext-epp:pollData></resData><trID><svTRID>s</svTRID></trID></response></epp>`,
	`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>ok</msg></result><resData><domain:infData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>x.nl</domain:name><domain:roid>1</domain:roid><domain:status s="ok"/><domain:clID>hostpact</domain:clID><domain:exDate>2027-01-01T00:00:00Z</domain:exDate><domain:authInfo><domain:pw>tok</domain:pw></domain:authInfo></domain:infData></resData><extension><sidn-ext-epp:ext xmlns:sidn-ext-epp="http://rxsd.domain-registry.nl/sidn-ext-epp-1.0"><sidn-ext-epp:infData><sidn-ext-epp:domain><sidn-ext-epp:scheduledDeleteDate>2027-01-01T00:00:00Z</sidn-ext-epp:scheduledDeleteDate></sidn-ext-epp:domain></sidn-ext-epp:infData></sidn-ext-epp:ext></extension><trID><svTRID>s</svTRID></trID></response></epp>`,
	`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="99999"/></response></epp>`,
	`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><greeting><svID>x</svID></greeting></epp>`,
	`<epp xmlns="urn:ietf:params:xml:ns:epp-1.0"><response><result code="1000"><msg>&lt;&amp;</msg></result><resData><domain:infData xmlns:domain="urn:ietf:params:xml:ns:domain-1.0"><domain:name>a</domain:name></domain:infData></resData></response></epp>`,
	`<!DOCTYPE epp [<!ENTITY a "aaaa">]><epp xmlns="urn:ietf:params:xml:ns:epp-1.0"/>`,
}

// FuzzParseResponse feeds the parser what a broken or hostile registry could send: it
// never panics, and whatever it accepts has a result code in range and converts to
// hostpact's types without panicking either.
func FuzzParseResponse(f *testing.F) {
	for _, s := range responseSeeds {
		f.Add([]byte(s))
	}
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.xml"))
	for _, g := range golden {
		if b, err := os.ReadFile(g); err == nil {
			f.Add(b)
		}
	}
	r := &Registry{cfg: Config{Username: "hostpact", Profile: SIDN}}
	f.Fuzz(func(t *testing.T, b []byte) {
		resp, err := ParseResponse(b)
		if err != nil {
			return
		}
		code := resp.Results[0].Code
		if code < 1000 || code > 2599 {
			t.Fatalf("accepted code %d", code)
		}
		if err := resultError("fuzz", resp); (err != nil) != (code >= 2000) {
			t.Fatalf("code %d gave error %v", code, err)
		}
		_, _ = r.toDomain(resp)
		_ = toTransfer(resp)
		if resp.MsgQ != nil {
			_ = toMessage(resp)
		}
	})
}

func TestResultCodesMapToRegistryErrors(t *testing.T) {
	t.Parallel()
	for code, want := range map[int]error{
		2302: registry.ErrNotAvailable, 2303: registry.ErrNotFound, 2201: registry.ErrAuthorization,
		2202: registry.ErrAuthorization, 2304: registry.ErrNotAllowed, 2305: registry.ErrNotAllowed,
		2106: registry.ErrNotAllowed, 2400: registry.ErrUnavailable, 2502: registry.ErrUnavailable,
	} {
		resp := &Response{Results: []Result{{Code: code, Msg: "the registry's words"}}}
		err := resultError("domain:create", resp)
		if !errors.Is(err, want) {
			t.Errorf("%d: %v is not %v", code, err, want)
		}
		if err == nil || !strings.Contains(err.Error(), "the registry's words") {
			t.Errorf("%d: registry's message lost: %v", code, err)
		}
	}
	if err := resultError("x", &Response{Results: []Result{{Code: 2306}}}); err == nil || errors.Is(err, registry.ErrNotFound) {
		t.Errorf("2306: %v", err)
	}
}

func TestFraming(t *testing.T) {
	t.Parallel()
	var buf bytesBuffer
	if err := WriteFrame(&buf, []byte("<epp/>")); err != nil {
		t.Fatal(err)
	}
	if got := buf.b[:4]; got[3] != 10 || got[0]|got[1]|got[2] != 0 {
		t.Fatalf("header % x: the length counts its own four bytes (RFC 5734)", got)
	}
	b, err := ReadFrame(&buf)
	if err != nil || string(b) != "<epp/>" {
		t.Fatalf("read %q %v", b, err)
	}
	for _, hdr := range [][]byte{{0, 0, 0, 3}, {0xff, 0xff, 0xff, 0xff}} {
		if _, err := ReadFrame(&bytesBuffer{b: hdr}); err == nil {
			t.Errorf("header % x accepted", hdr)
		}
	}
}

type bytesBuffer struct{ b []byte }

func (w *bytesBuffer) Write(p []byte) (int, error) { w.b = append(w.b, p...); return len(p), nil }
func (w *bytesBuffer) Read(p []byte) (int, error) {
	if len(w.b) == 0 {
		return 0, errEOF
	}
	n := copy(p, w.b)
	w.b = w.b[n:]
	return n, nil
}

var errEOF = errors.New("EOF")
