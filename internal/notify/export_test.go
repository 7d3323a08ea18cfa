package notify

import "crypto/tls"

// SetTLSConfig makes d trust the test server's self-signed certificate.
func SetTLSConfig(d *SMTPDeliverer, c *tls.Config) { d.tlsConfig = c }
