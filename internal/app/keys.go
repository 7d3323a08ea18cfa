package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

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

// keyIDsInUse lists the ids of the keys that protect values in the database.
func keyIDsInUse(ctx context.Context, db *store.DB) ([]string, error) {
	return nil, nil
}
