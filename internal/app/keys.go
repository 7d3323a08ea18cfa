package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

var errNoKey = errors.New("app: no secret key: set HOSTPACT_SECRET_KEY_FILE to a key file made by `hostpact keygen --out FILE` " +
	"(kept outside the database and its backups)")

// checkKey refuses to run without the secret key, and with a key other than the one the
// database's protected values were written with: starting anyway would write a second,
// unverifiable chain and mail nobody can open. keys may be nil.
func checkKey(ctx context.Context, db *store.DB, keys *secrets.Keyring) error {
	used, err := keyIDsInUse(ctx, db)
	if err != nil {
		return err
	}
	if keys == nil {
		if len(used) > 0 {
			return fmt.Errorf("%w; this database holds values protected with key %s, and only that key file can read them",
				errNoKey, strings.Join(used, ", "))
		}
		return errNoKey
	}
	for _, id := range used {
		if !keys.Has(id) {
			return fmt.Errorf("app: %w", &secrets.KeyError{Want: id, Have: keys.ID()})
		}
	}
	return nil
}

// keyIDsInUse lists the ids of the keys that protect values in the database: the key
// of the audit trail's head (every change writes an entry, so a database in which anything
// was protected has a keyed head) and those of the TOTP secrets.
func keyIDsInUse(ctx context.Context, db *store.DB) ([]string, error) {
	var ids []string
	id, err := audit.HeadKeyID(ctx, db)
	if err != nil {
		return nil, err
	}
	if id != "" {
		ids = append(ids, id)
	}
	totp, err := accounts.TOTPKeyIDs(ctx, db)
	if err != nil {
		return nil, err
	}
	for _, id := range totp {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// protectAtRest brings a database written before the key existed up to date, at every
// start and doing nothing the second time: the audit entries written before are keyed
// (after their plain chain checked out), TOTP secrets are sealed, and mail with a
// one-time link is sealed or redacted.
func protectAtRest(ctx context.Context, db *store.DB, keys *secrets.Keyring, now time.Time, logger *slog.Logger) error {
	n, err := audit.Rekey(ctx, db, keys)
	if err != nil {
		return err
	}
	if n > 0 && logger != nil {
		logger.Info("audit trail keyed with the secret key", "entries", n, "key", keys.ID())
	}
	audit.UseKeys(keys) // the entry SealTOTPSecrets writes is keyed
	t, err := accounts.SealTOTPSecrets(ctx, db, keys, now)
	if err != nil {
		return err
	}
	if t > 0 && logger != nil {
		logger.Info("TOTP secrets sealed with the secret key", "users", t)
	}
	m, err := notify.SealLegacy(ctx, db, keys, accounts.LinkMarker)
	if err != nil {
		return err
	}
	if m > 0 && logger != nil {
		logger.Info("mail with one-time links sealed or redacted", "mails", m)
	}
	return nil
}
