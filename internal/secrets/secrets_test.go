package secrets_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/secrets"
)

func TestSealOpen(t *testing.T) {
	t.Parallel()
	k := secrets.Ephemeral()
	other := secrets.Ephemeral()
	s, err := k.SealString(secrets.PurposeTOTP, "user:7", "JBSWY3DPEHPK3PXP")
	if err != nil {
		t.Fatal(err)
	}
	if !secrets.IsSealed(string(s)) || s.KeyID() != k.ID() || strings.Contains(string(s), "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealed value %q", s)
	}
	if again, _ := k.SealString(secrets.PurposeTOTP, "user:7", "JBSWY3DPEHPK3PXP"); again == s {
		t.Fatal("two seals of one value are equal: the nonce is not random")
	}
	if got, err := k.OpenString(secrets.PurposeTOTP, "user:7", s); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open = %q, %v", got, err)
	}
	tampered := []byte(s)
	tampered[len(tampered)-3] ^= 'A' ^ 'B'
	cases := []struct {
		name    string
		k       *secrets.Keyring
		p       secrets.Purpose
		binding string
		s       secrets.Sealed
		want    error
	}{
		{"another record", k, secrets.PurposeTOTP, "user:8", s, secrets.ErrCorrupt},
		{"another purpose", k, secrets.PurposeMail, "user:7", s, secrets.ErrCorrupt},
		{"altered", k, secrets.PurposeTOTP, "user:7", secrets.Sealed(tampered), secrets.ErrCorrupt},
		{"truncated", k, secrets.PurposeTOTP, "user:7", s[:30], secrets.ErrCorrupt},
	}
	for _, tc := range cases {
		if _, err := tc.k.Open(tc.p, tc.binding, tc.s); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	var ke *secrets.KeyError
	if _, err := other.Open(secrets.PurposeTOTP, "user:7", s); !errors.As(err, &ke) || ke.Want != k.ID() || ke.Have != other.ID() ||
		!strings.Contains(err.Error(), "HOSTPACT_SECRET_KEY_FILE") {
		t.Fatalf("another key: err = %v", err)
	}
}

// Subkeys of one key differ per purpose, and an older key in the file still opens what
// it sealed while the new one seals.
func TestSubkeysAndRotation(t *testing.T) {
	t.Parallel()
	old := secrets.Ephemeral()
	a, _ := old.Subkey(old.ID(), secrets.PurposeMail)
	b, _ := old.Subkey(old.ID(), secrets.PurposeTOTP)
	if bytes.Equal(a, b) {
		t.Fatal("two purposes share a subkey")
	}
	s, _ := old.SealString(secrets.PurposeCredential, "mollie", "live_abc")
	fresh := secrets.Ephemeral()
	both, err := secrets.Parse(append(fresh.Marshal(), old.Marshal()...))
	if err != nil {
		t.Fatal(err)
	}
	if both.ID() != fresh.ID() || !both.Has(old.ID()) {
		t.Fatalf("keyring %s does not hold both keys", both)
	}
	if got, err := both.OpenString(secrets.PurposeCredential, "mollie", s); err != nil || got != "live_abc" {
		t.Fatalf("old value with rotated keyring: %q, %v", got, err)
	}
	s2, _ := both.SealString(secrets.PurposeCredential, "mollie", "live_abc")
	if s2.KeyID() != fresh.ID() {
		t.Fatal("a rotated keyring does not seal with its first key")
	}
	msg := []byte("checkpoint")
	pub, err := both.PublicKey(fresh.ID())
	if err != nil || !ed25519.Verify(pub, msg, ed25519.Sign(both.Signer(), msg)) {
		t.Fatal("checkpoint signature does not verify with the derived public key")
	}
	if strings.Contains(both.String(), string(both.Marshal())) || !strings.Contains(both.String(), fresh.ID()) {
		t.Fatalf("String() = %q", both.String())
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hostpact.key")
	if _, err := secrets.Load(path); err == nil || !strings.Contains(err.Error(), "hostpact keygen") {
		t.Fatalf("missing file: %v", err)
	}
	k, created, err := secrets.LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, %v", fi.Mode(), err)
	}
	again, created, err := secrets.LoadOrCreate(path)
	if err != nil || created || again.ID() != k.ID() {
		t.Fatalf("reuse: %v %v %v", again, created, err)
	}
	if err := secrets.Write(path, secrets.Ephemeral()); err == nil {
		t.Fatal("an existing key file was overwritten")
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := secrets.Load(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key file: %v", err)
	}
	for _, bad := range []string{"", "# only a comment\n", "hostpact-secret-key v1 c2hvcnQ=\n", "AAAA\n"} {
		if _, err := secrets.Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func FuzzOpen(f *testing.F) {
	k := secrets.Ephemeral()
	s, _ := k.SealString(secrets.PurposeMail, "a@b.test", "hello")
	f.Add(string(s))
	f.Add("sealed:v1:" + k.ID() + ":")
	f.Add("sealed:v1:")
	f.Fuzz(func(t *testing.T, in string) {
		plain, err := k.OpenString(secrets.PurposeMail, "a@b.test", secrets.Sealed(in))
		if err == nil && in != string(s) && plain == "hello" {
			// Only a genuine seal opens; GCM makes forging one infeasible.
			t.Fatalf("forged value %q opened", in)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add(string(secrets.Ephemeral().Marshal()))
	f.Add("hostpact-secret-key v1 ####\n")
	f.Fuzz(func(t *testing.T, in string) {
		k, err := secrets.Parse([]byte(in))
		if err == nil {
			if _, err := secrets.Parse(k.Marshal()); err != nil {
				t.Fatalf("a parsed key file does not round-trip: %v", err)
			}
		}
	})
}
