package newsletter

// SetBeforeCommit makes a batch fail just before its commit, as a killed run would.
func SetBeforeCommit(s *Service, f func(batch int) error) { s.beforeCommit = f }

// TokenFor is the unsubscribe token of a subscriber, as the mails carry it.
func TokenFor(s *Service, id int64, nonce string) string { return s.token(id, nonce) }
