package contracts

import (
	"context"

	"github.com/hostpact/hostpact/internal/store"
)

// AnyRefused reports whether the provider refuses one of the organisations orgIDs
// (cp.av.2.6). The sign-up asks it with the organisations that share a new visitor's
// details, so a refused customer cannot come back under a new account. A
// package-to-package call: no principal.
func (s *Service) AnyRefused(ctx context.Context, q store.Querier, orgIDs []int64) (bool, error) {
	for _, id := range orgIDs {
		refused, err := s.refused(ctx, q, id)
		if err != nil || refused {
			return refused, err
		}
	}
	return false, nil
}
