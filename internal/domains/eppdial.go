package domains

import (
	"context"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/domains/epp"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

// EPPDialer reaches a registry over EPP (internal/domains/epp) with the connection's
// credentials: "password", and where the registry asks for them "ca_pem", "cert_pem",
// "key_pem"; "profile" names the registry profile ("sidn" for .nl, the default).
func EPPDialer(clk clock.Clock) Dialer {
	return func(_ context.Context, c Connection) (registry.Registry, error) {
		prof := epp.SIDN
		if name := c.Credentials["profile"]; name != "" {
			p, err := epp.ProfileByName(name)
			if err != nil {
				return nil, err
			}
			prof = p
		}
		return epp.NewRegistry(epp.Config{Address: c.Address, Username: c.Username, Password: c.Credentials["password"],
			CAPEM: []byte(c.Credentials["ca_pem"]), CertPEM: []byte(c.Credentials["cert_pem"]), KeyPEM: []byte(c.Credentials["key_pem"]),
			Profile: prof, Clock: clk})
	}
}
