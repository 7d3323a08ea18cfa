package compensation

import (
	"context"

	"github.com/hostpact/hostpact/internal/accounts"
)

// PendingClaimsMax bounds what PendingClaims returns.
const PendingClaimsMax = 200

// pendingClaimsQuery reads the claims waiting for a decision, newest first, along
// sla_claims_status (status, id): the staff dashboard's cost does not grow with the
// claims decided over the years (issue 16).
const pendingClaimsQuery = `SELECT ` + claimCols + ` FROM sla_claims WHERE status = 'pending' ORDER BY id DESC LIMIT $1`

// PendingClaims lists the claims waiting for a decision, newest first, at most limit
// (≤ PendingClaimsMax). Staff (SLARead on the provider).
func (s *Service) PendingClaims(ctx context.Context, by accounts.Principal, limit int) ([]Claim, error) {
	if err := by.Check(accounts.SLARead, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, pendingClaimsQuery, min(max(limit, 1), PendingClaimsMax))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Claim
	for rows.Next() {
		c, err := scanClaim(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
