package demo

import (
	"context"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// demoApp builds the application as `hostpact demo` does, on db, with the clock fixed
// at the given time; the tests seed it themselves.
func demoApp(t *testing.T, db *store.DB, at time.Time) *app.App {
	t.Helper()
	cfg, err := config.Load("", nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Demo, cfg.Keys = true, secrets.Ephemeral()
	pack, err := app.LoadPack(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.Build(cfg, pack, db, nil, clock.NewFake(at))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// demoAdmin is the demo's admin staff member, as a principal.
func demoAdmin(t *testing.T, a *app.App) accounts.Principal {
	t.Helper()
	admin, err := a.Accounts.FindUserByEmail(context.Background(), staff[0].email)
	if err != nil {
		t.Fatal(err)
	}
	return accounts.Principal{User: admin}
}
