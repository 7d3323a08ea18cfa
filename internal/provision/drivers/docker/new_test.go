package docker

import (
	"slices"
	"testing"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

func TestNewRefusesTCPWithoutTLS(t *testing.T) {
	t.Parallel()
	if _, err := New(driver.Server{Endpoint: "tcp://docker.example:2375"}, clock.Real{}); err == nil {
		t.Error("a tcp endpoint without TLS credentials was accepted: the engine's API is root on its host")
	}
	if _, err := New(driver.Server{Endpoint: "tcp://docker.example:2376", Credentials: map[string]string{CredentialCA: "not pem"}}, clock.Real{}); err == nil {
		t.Error("a CA that is not PEM was accepted")
	}
	if _, err := New(driver.Server{Endpoint: "unix:///run/docker.sock", Settings: map[string]string{SettingRestart: "sometimes"}}, clock.Real{}); err == nil {
		t.Error("an unknown restart policy was accepted")
	}
	if _, err := New(driver.Server{Endpoint: "unix:///run/docker.sock"}, clock.Real{}); err != nil {
		t.Errorf("a unix socket: %v", err)
	}
}

func TestPackageBecomesLimitsAndEnvironment(t *testing.T) {
	t.Parallel()
	p := driver.Package{MemoryMB: 256, CPUMilli: 250, Extra: map[string]string{"env.B": "2", "env.A": "1", "bandwidth": "x", "env.": "empty"}}
	r := resources(p)
	if r.Memory != 256<<20 || r.MemorySwap != r.Memory || r.NanoCPUs != 250_000_000 {
		t.Errorf("resources %+v", r)
	}
	if got, want := env(p), []string{"HOSTPACT_SECRET_FILE=" + SecretFile, "A=1", "B=2"}; !slices.Equal(got, want) {
		t.Errorf("env %v, want %v", got, want)
	}
	if r := resources(driver.Package{}); r.Memory != 0 || r.MemorySwap != 0 || r.NanoCPUs != 0 {
		t.Errorf("no limits: %+v", r)
	}
}
