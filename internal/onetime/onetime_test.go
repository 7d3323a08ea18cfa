package onetime_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/onetime"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	customer = accounts.Principal{User: accounts.User{ID: 3, OrgID: 7, Email: "c@example.test"},
		Org: &accounts.Organisation{ID: 7, Kind: accounts.Consumer}, Session: &accounts.Session{}}
	t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
)

type env struct {
	db   *store.DB
	clk  *clock.Fake
	keys *secrets.Keyring
	svc  *onetime.Service
	ctx  context.Context
}

func newEnv(t *testing.T, db *store.DB) *env {
	pack, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	keys := secrets.Ephemeral()
	return &env{db: db, clk: clk, keys: keys, svc: onetime.New(db, clk, keys, pack, "https://portal.example/"),
		ctx: audit.WithActor(context.Background(), audit.System("test"))}
}

// parts splits a link into its id and key.
func parts(t *testing.T, link string) (string, string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	id, ok := strings.CutPrefix(u.Path, "/s/")
	if !ok || u.Query().Get("k") == "" {
		t.Fatalf("link %q has no id and key", link)
	}
	return id, u.Query().Get("k")
}

func TestSecretOpensOnceAndOnlyWithItsKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		link, err := e.svc.Create(e.ctx, customer, "user: gert\npassword: Ge-heim!42", 24*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(link.URL, "https://portal.example/s/") || !link.Expires.Equal(t0.Add(24*time.Hour)) {
			t.Fatalf("link %+v", link)
		}
		id, key := parts(t, link.URL)

		// The database holds neither the text nor the key.
		var sealed string
		if err := db.QueryRowContext(e.ctx, `SELECT sealed FROM onetime_secrets WHERE id = $1`, id).Scan(&sealed); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, "Ge-heim") || strings.Contains(sealed, key) {
			t.Fatal("the stored row gives the secret away")
		}

		// Looking (a link preview) changes nothing, however often.
		for range 3 {
			if p, err := e.svc.Look(e.ctx, id, key); err != nil || !p.Expires.Equal(link.Expires) {
				t.Fatalf("look = %+v, %v", p, err)
			}
		}
		// A wrong key neither reveals nor burns.
		other := strings.Repeat("A", len(key))
		if _, err := e.svc.Reveal(e.ctx, id, other); !errors.Is(err, onetime.ErrGone) {
			t.Fatalf("wrong key: %v", err)
		}
		got, err := e.svc.Reveal(e.ctx, id, key)
		if err != nil || got != "user: gert\npassword: Ge-heim!42" {
			t.Fatalf("reveal = %q, %v", got, err)
		}
		if _, err := e.svc.Reveal(e.ctx, id, key); !errors.Is(err, onetime.ErrGone) {
			t.Fatalf("second reveal: %v", err)
		}
		if _, err := e.svc.Look(e.ctx, id, key); !errors.Is(err, onetime.ErrGone) {
			t.Fatalf("look after reveal: %v", err)
		}
	}, onetime.Schema, audit.Schema)
}

func TestSecretCannotBeReadWithoutTheProviderKey(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		link, err := e.svc.Create(e.ctx, customer, "s3cret", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		id, key := parts(t, link.URL)
		pack, _ := terms.LoadPack("cloudprovider")
		stranger := onetime.New(db, e.clk, secrets.Ephemeral(), pack, "https://x.example")
		if _, err := stranger.Reveal(e.ctx, id, key); err == nil {
			t.Fatal("a copy of the database and the link opened the secret without the provider's key")
		}
		if got, err := e.svc.Reveal(e.ctx, id, key); err != nil || got != "s3cret" {
			t.Fatalf("the failed attempt must not burn it: %q %v", got, err)
		}
	}, onetime.Schema, audit.Schema)
}

func TestSecretExpiresAndIsPurged(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		link, err := e.svc.Create(e.ctx, customer, "s3cret", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		id, key := parts(t, link.URL)
		e.clk.Advance(time.Hour)
		if _, err := e.svc.Reveal(e.ctx, id, key); !errors.Is(err, onetime.ErrGone) {
			t.Fatalf("expired: %v", err)
		}
		n, err := e.svc.Purge(e.ctx, e.clk.Now())
		if err != nil || n != 1 {
			t.Fatalf("purge = %d, %v", n, err)
		}
	}, onetime.Schema, audit.Schema)
}

func TestSecretRefusesBadInput(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for name, c := range map[string]struct {
			text string
			life time.Duration
			want error
		}{
			"empty":          {"  ", time.Hour, onetime.ErrEmpty},
			"too long":       {strings.Repeat("x", 10*1024+1), time.Hour, onetime.ErrTooLong},
			"too short":      {"x", 30 * time.Minute, onetime.ErrLifetime},
			"too long lived": {"x", 8 * 24 * time.Hour, onetime.ErrLifetime},
		} {
			if _, err := e.svc.Create(e.ctx, customer, c.text, c.life); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", name, err, c.want)
			}
		}
		token := customer
		token.Session, token.Token = nil, &accounts.APIToken{ID: 1, Scopes: []accounts.Scope{accounts.ScopeRead, accounts.ScopeWrite}}
		if _, err := e.svc.Create(e.ctx, token, "x", time.Hour); !errors.Is(err, accounts.ErrForbidden) {
			t.Errorf("an API token made a secret link: %v", err)
		}
		var n int
		if err := db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM onetime_secrets`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("refused input stored %d rows (%v)", n, err)
		}
	}, onetime.Schema, audit.Schema)
}

// Two people pressing the button at once: exactly one reads the secret.
func TestSecretRevealRace(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		link, err := e.svc.Create(e.ctx, customer, "once", time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		id, key := parts(t, link.URL)
		var wg sync.WaitGroup
		var mu sync.Mutex
		reads, gone := 0, 0
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := e.svc.Reveal(e.ctx, id, key)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && got == "once":
					reads++
				case errors.Is(err, onetime.ErrGone) || err != nil:
					gone++
				}
			}()
		}
		wg.Wait()
		if reads != 1 {
			t.Fatalf("%d people read the secret, want 1 (%d refused)", reads, gone)
		}
	}, onetime.Schema, audit.Schema)
}
