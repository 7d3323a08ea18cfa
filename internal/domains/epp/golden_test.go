package epp

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden XML in testdata")

// goldenCommands is every command the client sends, with fixed arguments.
func goldenCommands() map[string]*EPP {
	exp := time.Date(2027, 3, 14, 0, 0, 0, 0, time.UTC)
	return map[string]*EPP{
		"hello":                         HelloCmd(),
		"login-sidn":                    LoginCmd("hostpact", "s3cret", SIDN, "hp-login-1"),
		"login-generic":                 LoginCmd("hostpact", "s3cret", Generic, "hp-login-1"),
		"logout":                        LogoutCmd("hp-logout-1"),
		"domain-check":                  DomainCheckCmd("hp-check-1", "vrij.nl", "google.nl"),
		"domain-info":                   DomainInfoCmd("hp-info-1", "example.nl", ""),
		"domain-info-auth":              DomainInfoCmd("hp-info-2", "example.nl", "token123"),
		"domain-create-sidn":            DomainCreateCmd("hp-create-1", SIDN, "example.nl", 1, "HPREG1", []string{"HPREG1"}, []string{"HPTECH"}, []string{"ns1.hostpact.nl", "ns2.hostpact.nl"}, ""),
		"domain-create-generic":         DomainCreateCmd("hp-create-2", Generic, "example.eu", 2, "HPREG1", []string{"HPREG1"}, []string{"HPTECH"}, nil, "Auth-Code-1!"),
		"domain-renew":                  DomainRenewCmd("hp-renew-1", Generic, "example.eu", exp, 1),
		"domain-transfer-request":       DomainTransferCmd("hp-transfer-1", "request", "example.nl", "token123"),
		"domain-transfer-query":         DomainTransferCmd("hp-transfer-2", "query", "example.nl", ""),
		"domain-transfer-approve":       DomainTransferCmd("hp-transfer-3", "approve", "example.nl", ""),
		"domain-transfer-reject":        DomainTransferCmd("hp-transfer-4", "reject", "example.nl", ""),
		"domain-update-ns":              DomainUpdateNSCmd("hp-ns-1", "example.nl", []string{"ns3.hostpact.nl"}, []string{"ns1.hostpact.nl"}),
		"domain-update-auth":            DomainUpdateAuthCmd("hp-token-1", "example.eu", "New-Auth-2!"),
		"domain-schedule-delete-date":   DomainScheduleDeleteCmd("hp-schd-1", "example.nl", SchDSetDate, exp),
		"domain-schedule-delete-end":    DomainScheduleDeleteCmd("hp-schd-2", "example.nl", SchDEndOfPeriod, time.Time{}),
		"domain-schedule-delete-cancel": DomainScheduleDeleteCmd("hp-schd-3", "example.nl", SchDCancel, time.Time{}),
		"domain-delete":                 DomainDeleteCmd("hp-delete-1", "example.nl"),
		"domain-restore-sidn":           SIDNCancelDeleteCmd("hp-restore-1", "example.nl"),
		"domain-restore-rgp":            RGPRestoreCmd("hp-restore-2", "example.eu"),
		"contact-check":                 ContactCheckCmd("hp-ccheck-1", "HPREG1", "HPTECH"),
		"contact-info":                  ContactInfoCmd("hp-cinfo-1", "HPREG1"),
		"contact-create-sidn": ContactCreateCmd("hp-ccreate-1", SIDN, ContactCreate{
			ID: "HPREG1", PostalInfo: PostalInfo{Type: "loc", Name: "Jan de Vries", Org: "De Vries BV",
				Addr: Addr{Street: []string{"Keizersgracht 1"}, City: "Amsterdam", PC: "1015 AA", CC: "NL"}},
			Voice: "+31.201234567", Email: "jan@example.nl", AuthInfo: AuthInfo{PW: "unused-1"},
		}, SIDNContact{LegalForm: "BV", LegalFormRegNo: "12345678"}),
		"contact-update-sidn": ContactUpdateCmd("hp-cupdate-1", SIDN, "HPREG1", ContactChg{Email: "info@example.nl"}, SIDNContact{LegalForm: "PERSOON"}),
		"host-check":          HostCheckCmd("hp-hcheck-1", "ns1.hostpact.nl"),
		"host-info":           HostInfoCmd("hp-hinfo-1", "ns1.hostpact.nl"),
		"host-create":         HostCreateCmd("hp-hcreate-1", "ns1.example.nl", []HostAddr{{IP: "v4", Addr: "192.0.2.53"}, {IP: "v6", Addr: "2001:db8::53"}}),
		"poll-req":            PollReqCmd("hp-poll-1"),
		"poll-ack":            PollAckCmd("hp-poll-2", "42"),
	}
}

func TestGoldenCommands(t *testing.T) {
	t.Parallel()
	for name, cmd := range goldenCommands() {
		got, err := Marshal(cmd)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		path := filepath.Join("testdata", name+".xml")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v (run with -update)", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s:\n%s", name, path, got)
		}
		// What we send, the registry (and our fake) reads back to the same command.
		back, err := Parse(got)
		if err != nil {
			t.Fatalf("%s: own frame does not parse: %v", name, err)
		}
		again, _ := Marshal(back)
		if !bytes.Equal(again, got) {
			t.Errorf("%s: not stable through parse and marshal:\n%s", name, again)
		}
	}
}
