package audit

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// rekeyChunk is how many entries Rekey reads at a time: PostgreSQL cannot run the
// UPDATEs on a transaction's connection while a query's rows are still open on it.
const rekeyChunk = 1000

// ErrLegacyBroken is returned by Rekey for a legacy trail that does not verify: keying
// it would bless whatever was changed in it.
var ErrLegacyBroken = errors.New("audit: the trail written before it was keyed is not intact, so it is not keyed; run `hostpact audit verify`")

// Rekey replaces the unkeyed SHA-256 hashes of entries written before the chain was
// keyed with MACs under keys, after checking that the old chain is intact; afterwards
// Verify with the key accepts no unkeyed entry, so nobody can rewrite the trail by
// recomputing plain hashes. It does nothing when every entry is keyed, so app.Open
// runs it at every start. It holds the head's lock while it works, so no entry is
// written meanwhile. It returns how many entries it rewrote.
func Rekey(ctx context.Context, db *store.DB, keys *secrets.Keyring) (int64, error) {
	var n int64
	err := db.InTx(ctx, func(q store.Querier) error {
		var legacy int64
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_entries WHERE hash NOT LIKE 'hmac:%'`).Scan(&legacy); err != nil {
			return fmt.Errorf("audit: rekey: %w", err)
		}
		if legacy == 0 {
			return nil
		}
		var headSeq int64
		var headHash string
		if err := q.QueryRowContext(ctx, `UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash`).Scan(&headSeq, &headHash); err != nil {
			return fmt.Errorf("audit: rekey: %w", err)
		}
		var problems []string
		var after int64
		oldPrev, newPrev := "", ""
		for {
			batch, err := entriesAfter(ctx, q, after, rekeyChunk)
			if err != nil {
				return fmt.Errorf("audit: rekey: %w", err)
			}
			if len(batch) == 0 {
				break
			}
			for _, e := range batch {
				if e.Seq != after+1 || e.PrevHash != oldPrev {
					problems = append(problems, Problem{e.Seq, "does not follow the entry before it"}.String())
				}
				if reason := e.check(keys, true); reason != "" {
					problems = append(problems, Problem{e.Seq, reason}.String())
				}
				oldPrev = e.Hash
				e.PrevHash = newPrev
				if e.Hash, err = e.mac(keys, keys.ID()); err != nil {
					return err
				}
				newPrev = e.Hash
				if _, err := q.ExecContext(ctx, `UPDATE audit_entries SET prev_hash = $1, hash = $2 WHERE seq = $3`, e.PrevHash, e.Hash, e.Seq); err != nil {
					return fmt.Errorf("audit: rekey: %w", err)
				}
				after = e.Seq
				n++
			}
			if len(problems) > 0 {
				break
			}
		}
		if len(problems) == 0 && (headSeq != after || headHash != oldPrev) {
			problems = append(problems, fmt.Sprintf("the trail ends at entry %d but %d entries were written", after, headSeq))
		}
		if len(problems) > 0 {
			return fmt.Errorf("%w: %s", ErrLegacyBroken, strings.Join(problems[:min(len(problems), 5)], "; "))
		}
		_, err := q.ExecContext(ctx, `UPDATE audit_head SET hash = $1 WHERE id = 1`, newPrev)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// entriesAfter reads up to limit entries with a sequence number above after, in order.
func entriesAfter(ctx context.Context, q store.Querier, after int64, limit int) ([]Entry, error) {
	rows, err := q.QueryContext(ctx, `SELECT seq, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, object_id, summary, ip, user_agent, prev_hash, hash, on_behalf_of, on_behalf_of_label
		FROM audit_entries WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		e, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
