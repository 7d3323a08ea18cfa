package privacy

import (
	"context"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
)

// PageSize is how many rows a staff list shows at once (keyset pages by id, newest
// first).
const PageSize = 50

// Breaches lists recorded breaches for staff, newest first, before the id before (0:
// from the newest).
func (s *Service) Breaches(ctx context.Context, by accounts.Principal, before int64) ([]Breach, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return nil, err
	}
	ids, err := idsBefore(ctx, s.db, `SELECT id FROM privacy_breaches WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT 50`, before)
	if err != nil {
		return nil, err
	}
	out := make([]Breach, 0, len(ids))
	for _, id := range ids {
		b, err := s.breach(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// Requests lists data subject requests for staff, newest first; open only when asked.
func (s *Service) Requests(ctx context.Context, by accounts.Principal, openOnly bool, before int64) ([]Request, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return nil, err
	}
	q := `SELECT id FROM privacy_requests WHERE ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT 50`
	if openOnly {
		q = `SELECT id FROM privacy_requests WHERE status = 'open' AND ($1 = 0 OR id < $1) ORDER BY id DESC LIMIT 50`
	}
	ids, err := idsBefore(ctx, s.db, q, before)
	if err != nil {
		return nil, err
	}
	out := make([]Request, 0, len(ids))
	for _, id := range ids {
		r, err := s.request(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Hold returns a legal hold in force.
func (s *Service) Hold(ctx context.Context, by accounts.Principal, id int64) (Hold, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return Hold{}, err
	}
	hs, err := s.Holds(ctx, s.db)
	if err != nil {
		return Hold{}, err
	}
	for _, h := range hs {
		if h.ID == id {
			return h, nil
		}
	}
	return Hold{}, ErrNotFound
}

func idsBefore(ctx context.Context, q store.Querier, query string, before int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, before)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
