package config

import (
	"os"
	"path/filepath"
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
	for _, env := range []string{"HOSTPACT_SMTP_PORT=abc", "HOSTPACT_ROLES=web,cron", "HOSTPACT_SECURE_COOKIES=maybe", "HOSTPACT_TLS_CERT=/x.pem", "HOSTPACT_LOG_FORMAT=xml"} {
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
