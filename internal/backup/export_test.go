package backup

// SetFailpoint lets the external tests (the agent's real test) crash a job at a named
// point.
func SetFailpoint(s *Service, f func(point string) error) { s.failpoint = f }
