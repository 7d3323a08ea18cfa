package support

// SetFailpoint lets crash tests fail the alert job at a named point.
func SetFailpoint(s *Service, f func(point string) error) { s.failpoint = f }
