package provisiontest

import (
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

func TestKitConformance(t *testing.T) {
	t.Parallel()
	k := New()
	d, err := k.Type("test").New(driver.Server{Endpoint: "https://web1.test:8443", Credentials: map[string]string{"token": "t"}})
	if err != nil {
		t.Fatal(err)
	}
	a := driver.Account{Ref: "hp7", Kind: driver.KindWebhosting, Package: driver.Package{Name: "s", DiskMB: 10}, Secret: "abc"}
	drivertest.Run(t, d, a, driver.Package{Name: "l", DiskMB: 20}, drivertest.Checks{})
	if n := k.Creates("hp7"); n != 1 {
		t.Errorf("Creates = %d, want 1", n)
	}
}
