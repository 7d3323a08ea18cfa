package probe

// KindTCP and KindICMP check a VPS or container host's network and platform
// (cp.sla.availability.2): a TCP connect to a port, an ICMP echo to an address.
const (
	KindTCP  Kind = "tcp"
	KindICMP Kind = "icmp"
)

// Spec is a check as staff configure it and the database stores it (sealed at rest as
// a whole, because it can hold a monitoring password or a WireGuard private key). Build
// turns it into a Check; Validate says which field is wrong. Only the fields of its
// Kind are used.
type Spec struct {
	Kind Kind `json:"kind"`
	// URL of an http or https check.
	URL string `json:"url,omitempty"`
	// Address is host:port for tcp, mysql, pop3, imap, smtp, dns (the nameserver) and
	// wireguard (the UDP endpoint); a host or IP for icmp; for http(s) the optional
	// host:port to connect to instead of the URL's host.
	Address string `json:"address,omitempty"`
	// Status lists the accepted HTTP status codes (empty: 200-399); Keyword must appear
	// in the body when set.
	Status  []int  `json:"status,omitempty"`
	Keyword string `json:"keyword,omitempty"`
	// ServerName is the host name the certificate must carry (empty: the target's);
	// RootCAsPEM, when set, replaces the system roots (a provider's private CA).
	ServerName string `json:"server_name,omitempty"`
	RootCAsPEM string `json:"root_cas_pem,omitempty"`
	// Security of pop3, imap and smtp: plain, starttls or tls.
	Security string `json:"security,omitempty"`
	// User and Password of a monitoring account (mysql, pop3, imap); empty User checks
	// the greeting only.
	User               string `json:"user,omitempty"`
	Password           string `json:"password,omitempty"`
	AllowPlaintextAuth bool   `json:"allow_plaintext_auth,omitempty"`
	// Zone whose SOA a dns check asks for; TCP queries over TCP.
	Zone string `json:"zone,omitempty"`
	TCP  bool   `json:"tcp,omitempty"`
	// WireGuard: the server's public key, the monitoring peer's private and optional
	// preshared key (base64), its tunnel address and an optional address to ping.
	ServerPublicKey string `json:"server_public_key,omitempty"`
	PrivateKey      string `json:"private_key,omitempty"`
	PresharedKey    string `json:"preshared_key,omitempty"`
	TunnelAddress   string `json:"tunnel_address,omitempty"`
	PingAddress     string `json:"ping_address,omitempty"`
	// TimeoutSeconds bounds the check; 0 is DefaultTimeout.
	TimeoutSeconds int `json:"timeout_seconds,omitempty"`
}
