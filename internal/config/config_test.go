package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestFileThenEnvironment(t *testing.T) {
	file := filepath.Join(t.TempDir(), "hostpact.conf")
	os.WriteFile(file, []byte("# comment\nHOSTPACT_ADDR=0.0.0.0:9000\nHOSTPACT_DATABASE_URL=\"postgres://db/hostpact\"\nHOSTPACT_ROLES=jobs\n"), 0o600)
	c, err := Load(file, []string{"HOSTPACT_ROLES=web", "PATH=/bin"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:9000" || c.DatabaseURL != "postgres://db/hostpact" {
		t.Fatalf("file values not read: %+v", c)
	}
	if !c.Has("web") || c.Has("jobs") {
		t.Fatalf("environment must win over the file: roles %v", c.Roles)
	}
	if c.URL() != "http://0.0.0.0:9000" {
		t.Fatalf("URL = %s", c.URL())
	}
}

func TestBadValuesNameTheSetting(t *testing.T) {
	for _, env := range []string{"HOSTPACT_SMTP_PORT=abc", "HOSTPACT_ROLES=web,cron", "HOSTPACT_SECURE_COOKIES=maybe", "HOSTPACT_TLS_CERT=/x.pem", "HOSTPACT_LOG_FORMAT=xml", "HOSTPACT_LOG_LEVEL=verbose"} {
		_, err := Load("", []string{env})
		name, _, _ := strings.Cut(env, "=")
		if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(name, "HOSTPACT_")[:4]) {
			t.Errorf("%s: err = %v, want an error naming the setting", env, err)
		}
	}
	if _, err := Load("", nil); err != nil {
		t.Fatalf("defaults must load: %v", err)
	}
}

func TestProviderPaymentSettings(t *testing.T) {
	c, err := Load("", []string{"HOSTPACT_PROVIDER_VAT_ID=nl 8123.456.78.B01", "HOSTPACT_PROVIDER_IBAN=nl91 abna 0417 1643 00",
		"HOSTPACT_PROVIDER_BIC=abnanl2a", "HOSTPACT_SEPA_CREDITOR_ID=nl27zzz558886740000", "HOSTPACT_MOLLIE_API_KEY=test_abc",
		"HOSTPACT_MOLLIE_WEBHOOK_SECRET=s3cret", "HOSTPACT_PROVIDER_ACCOUNTS=nl20 ingb 0001 2345 67, NL39RABO0300065264"})
	if err != nil {
		t.Fatal(err)
	}
	want := Provider{VATID: "NL812345678B01", IBAN: "NL91ABNA0417164300", BIC: "ABNANL2A", SEPACreditorID: "NL27ZZZ558886740000",
		Accounts: []string{"NL20INGB0001234567", "NL39RABO0300065264"}}
	if !reflect.DeepEqual(c.Provider, want) || c.Mollie != (Mollie{APIKey: "test_abc", WebhookSecret: "s3cret"}) {
		t.Fatalf("got %+v %+v", c.Provider, c.Mollie)
	}
	for _, env := range []string{"HOSTPACT_PROVIDER_VAT_ID=NL001234567B01", "HOSTPACT_PROVIDER_IBAN=NL00ABNA0417164300",
		"HOSTPACT_PROVIDER_BIC=AB", "HOSTPACT_SEPA_CREDITOR_ID=NL00ZZZ558886740000", "HOSTPACT_MOLLIE_API_KEY=sk_123",
		"HOSTPACT_MOLLIE_WEBHOOK_SECRET=x", "HOSTPACT_PROVIDER_ACCOUNTS=NL00ABNA0417164300"} {
		name, _, _ := strings.Cut(env, "=")
		if _, err := Load("", []string{env}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the setting", env, err)
		}
	}
	d := Config{}
	d.ApplyDemo()
	if d.Provider.VATID != DemoVATID || d.Provider.IBAN != DemoIBAN || d.Provider.SEPACreditorID != DemoSEPACreditorID {
		t.Fatalf("demo values: %+v", d.Provider)
	}
	c.ApplyDemo()
	if !reflect.DeepEqual(c.Provider, want) {
		t.Fatalf("ApplyDemo replaced configured values: %+v", c.Provider)
	}
}

// Finding 7 of issue 8: /metrics is guarded by a token or served on an address of its own.
func TestMetricsSettings(t *testing.T) {
	c, err := Load("", []string{"HOSTPACT_METRICS_TOKEN=0123456789abcdef0123", "HOSTPACT_METRICS_ADDR=127.0.0.1:9100"})
	if err != nil {
		t.Fatal(err)
	}
	if c.MetricsToken != "0123456789abcdef0123" || c.MetricsAddr != "127.0.0.1:9100" {
		t.Fatalf("metrics settings not read: %q %q", c.MetricsToken, c.MetricsAddr)
	}
	for _, env := range [][]string{
		{"HOSTPACT_METRICS_TOKEN=short"},
		{"HOSTPACT_METRICS_ADDR=127.0.0.1:8080"}, // the main listener's address
		{"HOSTPACT_METRICS_ADDR=no-port"},
	} {
		if _, err := Load("", env); err == nil || !strings.Contains(err.Error(), "HOSTPACT_METRICS_") {
			t.Errorf("%v: err = %v, want an error naming the setting", env, err)
		}
	}
}

func TestSecretKeyAndCheckpointSettings(t *testing.T) {
	c, err := Load("", []string{"HOSTPACT_SECRET_KEY_FILE=/etc/hostpact/secret.key", "HOSTPACT_AUDIT_CHECKPOINT_MAIL=audit@provider.test"})
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKeyFile != "/etc/hostpact/secret.key" || c.Audit.CheckpointDir != "/etc/hostpact/audit-checkpoints" ||
		c.Audit.CheckpointEvery != 1000 || c.Audit.CheckpointMail != "audit@provider.test" {
		t.Fatalf("%+v", c.Audit)
	}
	for _, env := range []string{"HOSTPACT_AUDIT_CHECKPOINT_EVERY=0", "HOSTPACT_AUDIT_CHECKPOINT_EVERY=x", "HOSTPACT_PASSWORD_HASH_WORKERS=-1", "HOSTPACT_PASSWORD_HASH_WORKERS=two", "HOSTPACT_AUDIT_CHECKPOINT_MAIL=Ops <a@b.test>, c@d.test"} {
		name, _, _ := strings.Cut(env, "=")
		if _, err := Load("", []string{env}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", env, err)
		}
	}
}

func TestProbeRoleSettings(t *testing.T) {
	c, err := Load("", []string{"HOSTPACT_ROLES=probe", "HOSTPACT_PROBE_LOCATION=ams1"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Has("probe") || c.Has("web") || c.ProbeLocation != "ams1" {
		t.Fatalf("roles %v, location %q", c.Roles, c.ProbeLocation)
	}
	for _, loc := range []string{"AMS 1", "-x", "a/b", strings.Repeat("a", 33)} {
		if _, err := Load("", []string{"HOSTPACT_PROBE_LOCATION=" + loc}); err == nil || !strings.Contains(err.Error(), "HOSTPACT_PROBE_LOCATION") {
			t.Errorf("%q: err = %v", loc, err)
		}
	}
}

func TestAlertSettings(t *testing.T) {
	c, err := Load("", []string{"HOSTPACT_ALERT_MAIL=ops@example.test, noc@example.test", "HOSTPACT_ALERT_WEBHOOK=https://hooks.example.test/x?token=s"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Alerts.Mail) != 2 || c.Alerts.Mail[1] != "noc@example.test" || c.Alerts.Webhook != "https://hooks.example.test/x?token=s" {
		t.Fatalf("%+v", c.Alerts)
	}
	for _, env := range []string{"HOSTPACT_ALERT_MAIL=ops", "HOSTPACT_ALERT_WEBHOOK=ftp://x", "HOSTPACT_ALERT_WEBHOOK=/relative"} {
		name, _, _ := strings.Cut(env, "=")
		if _, err := Load("", []string{env}); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", env, err)
		}
	}
	// The webhook URL may carry a token: an error about it never repeats it.
	if _, err := Load("", []string{"HOSTPACT_ALERT_WEBHOOK=ftp://x?token=geheim"}); err == nil || strings.Contains(err.Error(), "geheim") {
		t.Errorf("err = %v", err)
	}
}
