package disclosure

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Signer clear-signs /.well-known/security.txt with the provider's OpenPGP key (RFC
// 9116 section 2.3), so a reader can check the contact details were not changed on
// the way. golang.org/x/crypto/openpgp is deprecated; ProtonMail's maintained fork is
// used.
type Signer struct {
	key *packet.PrivateKey
}

// NewSigner reads an armored private key. A key protected by a passphrase is refused:
// the server would need the passphrase in its configuration, which protects nothing.
func NewSigner(armored []byte) (*Signer, error) {
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armored))
	if err != nil {
		return nil, fmt.Errorf("security.txt key: %w", err)
	}
	for _, e := range ring {
		if e.PrivateKey == nil {
			continue
		}
		if e.PrivateKey.Encrypted {
			return nil, errors.New("security.txt key: the private key is protected by a passphrase; export it without one for signing")
		}
		return &Signer{key: e.PrivateKey}, nil
	}
	return nil, errors.New("security.txt key: no private key in the file")
}

// Sign returns text as a clear-signed message.
func (s *Signer) Sign(text []byte, now time.Time) ([]byte, error) {
	var out bytes.Buffer
	w, err := clearsign.Encode(&out, s.key, &packet.Config{Time: func() time.Time { return now }})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(text); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
