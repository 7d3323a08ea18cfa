// Package secrets holds hostpact's secret key and what it protects: values that must not
// be readable by someone who has the database or one of its backups (security findings
// 1 and 11 of issue 8), and the keyed audit chain and its signed checkpoints.
//
// The key lives in a file outside the database (HOSTPACT_SECRET_KEY_FILE, mode 0600),
// never in a table and never in a log line. From it, HKDF-SHA256 derives one subkey per
// purpose, so a value sealed for one purpose (a mail body) cannot be opened as another
// (a TOTP secret), and the audit MAC key and checkpoint signing key are independent of
// the encryption keys. Sealed values carry the version of the format and the id of the
// key that sealed them, so a key can be replaced later: a key file may hold older keys
// after the current one, which still open what they sealed.
package secrets

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"runtime"
	"strings"
)

// Purpose names what a subkey is for. Each purpose has its own HKDF-derived key.
type Purpose string

const (
	PurposeAuditChain      Purpose = "audit-chain-mac"       // HMAC-SHA256 of audit entries
	PurposeAuditCheckpoint Purpose = "audit-checkpoint-sign" // Ed25519 seed for checkpoints
	PurposeMail            Purpose = "mail-body"             // mail bodies that carry a one-time link
	PurposeTOTP            Purpose = "totp-secret"           // users' TOTP secrets
	PurposeCredential      Purpose = "driver-credential"     // API keys and passwords of drivers and providers
	PurposeOneTime         Purpose = "one-time-secret"       // the outer seal of a one-time secret (the inner key is in its link)
)

const (
	keySize    = 32
	fileHeader = "hostpact-secret-key v1 "
	// sealedPrefix starts every sealed value: format version 1, then the key id.
	sealedPrefix = "sealed:v1:"
)

type key struct {
	id     string
	master []byte
}

// Keyring is the provider's secret key, and any older keys still needed to open what
// they sealed. The first key is current: it seals, MACs and signs.
type Keyring struct {
	keys []key
}

// New returns a keyring of the given 32-byte keys, the first one current.
func New(masters ...[]byte) (*Keyring, error) {
	if len(masters) == 0 {
		return nil, errors.New("secrets: no key")
	}
	k := &Keyring{}
	for _, m := range masters {
		if len(m) != keySize {
			return nil, fmt.Errorf("secrets: a key has %d bytes, want %d", len(m), keySize)
		}
		k.keys = append(k.keys, key{id: keyID(m), master: bytes.Clone(m)})
	}
	return k, nil
}

// Generate returns a keyring with one new random key.
func Generate() (*Keyring, error) {
	m := make([]byte, keySize)
	if _, err := rand.Read(m); err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return New(m)
}

// Ephemeral returns a random key that is never written anywhere, for tests and for
// services constructed without the provider's key: what it seals is unreadable after
// the process ends, which is better than readable by anyone.
func Ephemeral() *Keyring {
	k, err := Generate()
	if err != nil {
		panic(err)
	}
	return k
}

// keyID names a key without revealing it: 8 hex digits of an HMAC of a fixed label.
func keyID(master []byte) string {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("hostpact key id"))
	return hex.EncodeToString(m.Sum(nil)[:4])
}

// ID is the current key's id.
func (k *Keyring) ID() string { return k.keys[0].id }

// Has reports whether the keyring holds the key with id.
func (k *Keyring) Has(id string) bool {
	_, ok := k.find(id)
	return ok
}

func (k *Keyring) find(id string) (key, bool) {
	for _, x := range k.keys {
		if x.id == id {
			return x, true
		}
	}
	return key{}, false
}

// String names the key by its id only, so a keyring printed or logged by mistake
// reveals nothing.
func (k *Keyring) String() string { return "secret key " + k.ID() }

// LogValue keeps the key out of structured logs.
func (k *Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Subkey derives the key for purpose p from the key with id.
func (k *Keyring) Subkey(id string, p Purpose) ([]byte, error) {
	x, ok := k.find(id)
	if !ok {
		return nil, &KeyError{Want: id, Have: k.ID()}
	}
	return hkdf.Key(sha256.New, x.master, []byte("hostpact"), string(p), keySize)
}

// KeyError says a value was sealed, MACed or signed with a key this keyring lacks: the
// database was written with another key file than the one configured.
type KeyError struct {
	Want, Have string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("secrets: the value was protected with key %s, but the configured key file (HOSTPACT_SECRET_KEY_FILE) holds key %s: "+
		"use the key file this database was written with", e.Want, e.Have)
}

// ErrCorrupt is returned by Open for a value that does not decrypt: altered, moved to
// another record, or sealed for another purpose.
var ErrCorrupt = errors.New("secrets: the sealed value does not open with its key: it was altered or copied from another record")

// Sealed is a value encrypted with AES-256-GCM under the subkey of its purpose, as
// stored: "sealed:v1:<key id>:<base64url of nonce and ciphertext>". Driver and
// provider credentials kept in a table are stored as Sealed (security finding 11).
type Sealed string

// IsSealed reports whether s is a sealed value (and not, say, a legacy plaintext).
func IsSealed(s string) bool { return strings.HasPrefix(s, sealedPrefix) }

// KeyID is the id of the key that sealed s, or "" when s is not sealed.
func (s Sealed) KeyID() string {
	rest, ok := strings.CutPrefix(string(s), sealedPrefix)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, ":")
	return id
}

func (k *Keyring) aead(id string, p Purpose) (cipher.AEAD, error) {
	sub, err := k.Subkey(id, p)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// additional binds a sealed value to its purpose and to the record it belongs to
// (binding, e.g. "user:42"), so that copying it into another row makes it unopenable.
func additional(p Purpose, binding string) []byte {
	return []byte("hostpact:" + string(p) + ":" + binding)
}

// Seal encrypts plain for purpose p and the record named by binding with the current key.
func (k *Keyring) Seal(p Purpose, binding string, plain []byte) (Sealed, error) {
	id := k.ID()
	a, err := k.aead(id, p)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: %w", err)
	}
	ct := a.Seal(nonce, nonce, plain, additional(p, binding))
	return Sealed(sealedPrefix + id + ":" + base64.RawURLEncoding.EncodeToString(ct)), nil
}

// SealString is Seal of a string.
func (k *Keyring) SealString(p Purpose, binding, plain string) (Sealed, error) {
	return k.Seal(p, binding, []byte(plain))
}

// Open decrypts s, sealed for purpose p and the record named by binding. A value sealed
// with a key the keyring lacks gives a *KeyError; one that was altered, ErrCorrupt.
func (k *Keyring) Open(p Purpose, binding string, s Sealed) ([]byte, error) {
	rest, ok := strings.CutPrefix(string(s), sealedPrefix)
	if !ok {
		return nil, errors.New("secrets: not a sealed value")
	}
	id, enc, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, ErrCorrupt
	}
	a, err := k.aead(id, p)
	if err != nil {
		return nil, err
	}
	ct, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(ct) < a.NonceSize()+a.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := a.Open(nil, ct[:a.NonceSize()], ct[a.NonceSize():], additional(p, binding))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// OpenString is Open returning a string.
func (k *Keyring) OpenString(p Purpose, binding string, s Sealed) (string, error) {
	b, err := k.Open(p, binding, s)
	return string(b), err
}

// MAC is the HMAC-SHA256 of msg under the subkey of purpose p of the key with id.
func (k *Keyring) MAC(id string, p Purpose, msg []byte) ([]byte, error) {
	sub, err := k.Subkey(id, p)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, sub)
	m.Write(msg)
	return m.Sum(nil), nil
}

// Signer is the Ed25519 key that signs audit checkpoints, derived from the current key.
func (k *Keyring) Signer() ed25519.PrivateKey {
	seed, err := k.Subkey(k.ID(), PurposeAuditCheckpoint)
	if err != nil {
		panic(err) // the current key is always present
	}
	return ed25519.NewKeyFromSeed(seed)
}

// PublicKey is the checkpoint verification key of the key with id.
func (k *Keyring) PublicKey(id string) (ed25519.PublicKey, error) {
	seed, err := k.Subkey(id, PurposeAuditCheckpoint)
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey), nil
}

// Marshal returns the key file's content: a comment, then one line per key, current
// first.
func (k *Keyring) Marshal() []byte {
	var b bytes.Buffer
	b.WriteString("# hostpact secret key (HOSTPACT_SECRET_KEY_FILE). Keep it outside the database and apart\n")
	b.WriteString("# from its backups, with a copy in a safe place: without it, encrypted values and the\n")
	b.WriteString("# audit trail of this provider can no longer be read or verified.\n")
	for _, x := range k.keys {
		fmt.Fprintf(&b, "%s%s\n", fileHeader, base64.StdEncoding.EncodeToString(x.master))
	}
	return b.Bytes()
}

// Parse reads a key file's content.
func Parse(b []byte) (*Keyring, error) {
	var masters [][]byte
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		enc, ok := strings.CutPrefix(line, fileHeader)
		if !ok {
			return nil, fmt.Errorf("secrets: line %d: not a hostpact key (want %q and the key in base64)", n+1, strings.TrimSpace(fileHeader))
		}
		m, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
		if err != nil || len(m) != keySize {
			return nil, fmt.Errorf("secrets: line %d: the key must be %d bytes in base64", n+1, keySize)
		}
		masters = append(masters, m)
	}
	if len(masters) == 0 {
		return nil, errors.New("secrets: the key file holds no key")
	}
	return New(masters...)
}

// Load reads the key file at path. A file that others can read is refused: the key is
// worth exactly as much as the file's protection.
func Load(path string) (*Keyring, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("secrets: key file %s does not exist; create one with `hostpact keygen --out %s`", path, path)
	}
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("secrets: key file %s can be read by others (mode %04o); run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	k, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return k, nil
}

// Write creates the key file at path for k, mode 0600. An existing file is never
// overwritten: replacing a key makes everything it protected unreadable.
func Write(path string, k *Keyring) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("secrets: %w", err)
	}
	if _, err := f.Write(k.Marshal()); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("secrets: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("secrets: write %s: %w", path, err)
	}
	return f.Close()
}

// LoadOrCreate loads the key file at path, or creates it with a new key when there is
// none (the demo's key beside its database). created says which.
func LoadOrCreate(path string) (k *Keyring, created bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		k, err := Generate()
		if err != nil {
			return nil, false, err
		}
		if err := Write(path, k); err == nil {
			return k, true, nil
		} else if !errors.Is(err, fs.ErrExist) {
			return nil, false, err
		}
		// Another process created it first; use that one.
	}
	k, err = Load(path)
	return k, false, err
}
