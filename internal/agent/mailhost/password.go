package mailhost

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum for Argon2id (19 MiB, two passes, one lane).
// One lane because Dovecot verifies with libsodium, which supports no other; the cost
// is paid by Dovecot's auth process at every login, so it stays at the minimum.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// scheme is the Dovecot password scheme of the hashes the module writes (Dovecot 2.3
// lists ARGON2ID in `doveadm pw -l` when built with libsodium, as Debian's is). Argon2
// has no password length limit, unlike bcrypt's 72 bytes.
const scheme = "{ARGON2ID}"

var b64 = base64.RawStdEncoding

// hashPassword returns pw hashed in the PHC string format Dovecot verifies, with the
// scheme prefix.
func hashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("%s$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", scheme, argon2.Version,
		argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// passwordMatches reports whether hash (as hashPassword writes it) is the hash of pw.
// It lets a repeated Create with the same secret keep the stored hash, so that a retry
// changes nothing on the server.
func passwordMatches(hash, pw string) bool {
	rest, ok := strings.CutPrefix(hash, scheme+"$argon2id$")
	if !ok {
		return false
	}
	var v, m, t, p int
	parts := strings.Split(rest, "$")
	if len(parts) != 4 {
		return false
	}
	if _, err := fmt.Sscanf(parts[0], "v=%d", &v); err != nil || v != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil ||
		m != argonMemory || t != argonTime || p != argonThreads {
		return false
	}
	salt, err1 := b64.DecodeString(parts[2])
	key, err2 := b64.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(key) != argonKeyLen {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Password limits. MaxPasswordLen matches hostpact's own account passwords.
const (
	MinPasswordLen = 8
	MaxPasswordLen = 256
)

// checkSecret accepts a password chosen by hostpact (Account.Secret): any printable
// UTF-8 of a sane length. The layer generates it; the policy of checkPassword is not
// imposed on its alphabet.
func checkSecret(pw string) error {
	if pw == "" {
		return fmt.Errorf("empty password")
	}
	if !utf8.ValidString(pw) || len(pw) > MaxPasswordLen*4 {
		return fmt.Errorf("password is not valid UTF-8 of at most %d characters", MaxPasswordLen)
	}
	if utf8.RuneCountInString(pw) > MaxPasswordLen {
		return fmt.Errorf("password is longer than %d characters", MaxPasswordLen)
	}
	for _, r := range pw {
		if unicode.IsControl(r) {
			return fmt.Errorf("password contains a control character")
		}
	}
	return nil
}

// checkPassword applies the provider's password policy to a password the customer
// chose for an extra mailbox: at least 8 characters with a lower-case letter, an
// upper-case letter, a digit and a symbol (cp.security.passwords.1).
func checkPassword(pw string) error {
	if err := checkSecret(pw); err != nil {
		return err
	}
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return fmt.Errorf("password is shorter than %d characters", MinPasswordLen)
	}
	var lower, upper, digit, symbol bool
	for _, r := range pw {
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		case unicode.IsLetter(r):
		default:
			symbol = true
		}
	}
	if !lower || !upper || !digit || !symbol {
		return fmt.Errorf("password needs a lower-case letter, an upper-case letter, a digit and a symbol")
	}
	return nil
}
