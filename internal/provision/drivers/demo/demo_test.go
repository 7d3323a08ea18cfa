package demo

import (
	"context"
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

func TestDemoConformance(t *testing.T) {
	t.Parallel()
	for _, kind := range Type().Kinds {
		t.Run(string(kind), func(t *testing.T) {
			d, err := New(driver.Server{Name: "demo", Endpoint: "https://" + string(kind) + ".demo.invalid:8443"})
			if err != nil {
				t.Fatal(err)
			}
			a := driver.Account{Ref: "hp42", Kind: kind, Domain: "example.nl", Package: driver.Package{Name: "small", DiskMB: 1000}, Secret: "s3cretS3cret"}
			drivertest.Run(t, d, a, driver.Package{Name: "large", DiskMB: 5000}, drivertest.Checks{
				Works: func(t *testing.T, a driver.Account, c driver.Created, _ string) {
					if c.Details["demo"] == "" {
						t.Errorf("details do not say they are a demonstration: %v", c.Details)
					}
				},
			})
		})
	}
}

func TestDemoServersAreSeparateAndShared(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a1, _ := New(driver.Server{Endpoint: "one.demo.invalid"})
	a2, _ := New(driver.Server{Endpoint: "one.demo.invalid"})
	b, _ := New(driver.Server{Endpoint: "two.demo.invalid"})
	if _, err := a1.Create(ctx, driver.Account{Ref: "hp1", Kind: driver.KindWebhosting, Secret: "x"}); err != nil {
		t.Fatal(err)
	}
	if l, _ := a2.List(ctx); len(l) != 1 {
		t.Errorf("a second driver of the same server lists %v", l)
	}
	if l, _ := b.List(ctx); len(l) != 0 {
		t.Errorf("another server lists %v", l)
	}
	if _, err := a1.Create(ctx, driver.Account{Ref: "Bad!", Kind: driver.KindWebhosting}); !driver.IsRefusal(err) {
		t.Errorf("a bad ref is %v, want a refusal", err)
	}
}
