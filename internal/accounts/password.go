package accounts

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2Params is the cost of hashing a password with argon2id.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultArgon2 costs about 64 MiB and a few tens of milliseconds per password: above
// the OWASP minimum for argon2id, cheap enough for a login form. Tests pass lighter
// parameters through Config.Argon2.
var DefaultArgon2 = Argon2Params{Memory: 64 * 1024, Time: 2, Threads: 2}

const (
	argonSaltLen = 16
	argonKeyLen  = 32
)

var b64 = base64.RawStdEncoding

// hashPassword returns a PHC string: $argon2id$v=19$m=…,t=…,p=…$salt$hash. The
// parameters travel with the hash so that changing the cost later does not break
// existing passwords (they are rehashed at the next sign-in).
func (s *Service) hashPassword(ctx context.Context, pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := s.argon
	var key []byte
	if err := s.hashes.do(ctx, p.Memory, func() {
		key = argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, argonKeyLen)
	}); err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// verifyPassword reports whether pw matches the PHC string encoded, and whether the hash
// should be redone with the current parameters. An empty or malformed hash never matches
// but costs the same time as a real check, so a missing account cannot be told apart by
// how long the answer takes.
func (s *Service) verifyPassword(ctx context.Context, encoded, pw string) (ok, rehash bool, err error) {
	p, salt, want, perr := parsePHC(encoded)
	if perr != nil {
		p, salt, want = s.argon, make([]byte, argonSaltLen), make([]byte, argonKeyLen)
	}
	var got []byte
	if err := s.hashes.do(ctx, p.Memory, func() {
		got = argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	}); err != nil {
		return false, false, err
	}
	if perr != nil {
		return false, false, nil
	}
	ok = subtle.ConstantTimeCompare(got, want) == 1
	return ok, ok && p != s.argon, nil
}

func parsePHC(encoded string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var threads uint32
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &threads); err != nil || threads == 0 || threads > 255 || p.Time == 0 {
		return p, nil, nil, errors.New("bad argon2id parameters")
	}
	p.Threads = uint8(threads)
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 {
		return p, nil, nil, errors.New("bad argon2id salt or hash")
	}
	return p, salt, key, nil
}
