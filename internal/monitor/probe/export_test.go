package probe

// Messages exposes the catalogue to the tests.
func Messages() map[string][2]string { return messages }
