package disclosure

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

// A clear-signed security.txt verifies against the public key and carries the text.
func TestSecurityTxtSignature(t *testing.T) {
	t.Parallel()
	e, err := openpgp.NewEntity("Security", "", "security@provider.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	var priv bytes.Buffer
	w, _ := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err := e.SerializePrivate(w, nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s, err := NewSigner(priv.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	text := "Contact: mailto:security@provider.test\nExpires: 2027-11-04T23:00:00Z\n"
	now := time.Now()
	signed, err := s.Sign([]byte(text), now)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := clearsign.Decode(signed)
	if b == nil || !strings.Contains(string(b.Plaintext), "Contact: mailto:security@provider.test") {
		t.Fatalf("not a clear-signed message:\n%s", signed)
	}
	if _, err := b.VerifySignature(openpgp.EntityList{e}, nil); err != nil {
		t.Fatalf("signature: %v", err)
	}
	if _, err := NewSigner([]byte("not a key")); err == nil {
		t.Fatal("garbage accepted as a key")
	}
}
