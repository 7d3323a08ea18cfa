package kvm

import (
	"crypto/rand"
	"crypto/sha512"
	"crypto/subtle"
	"strconv"
	"strings"
)

// The customer's password reaches the guest as a SHA-512 crypt hash ("$6$", glibc's
// crypt(3) as specified by Ulrich Drepper), the strongest scheme cloud-init's chpasswd
// passes to every Linux distribution's chpasswd -e. The secret itself is never written
// to the seed.
const (
	cryptRounds   = 100000 // above glibc's default of 5000: the hash sits in the seed ISO
	cryptSaltLen  = 16
	cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// hashPassword returns pw hashed with a fresh salt.
func hashPassword(pw string) (string, error) {
	b := make([]byte, cryptSaltLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = cryptAlphabet[int(b[i])%len(cryptAlphabet)]
	}
	return sha512Crypt(pw, "$6$rounds="+strconv.Itoa(cryptRounds)+"$"+string(b)), nil
}

// passwordMatches reports whether hash is the SHA-512 crypt hash of pw. It lets a
// repeated Create or ResetCredentials with the same secret keep the seed it wrote.
func passwordMatches(hash, pw string) bool {
	if !strings.HasPrefix(hash, "$6$") {
		return false
	}
	i := strings.LastIndexByte(hash, '$')
	if i < 3 {
		return false
	}
	got := sha512Crypt(pw, hash[:i])
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(hash)) == 1
}

// sha512Crypt computes the hash of pw for setting ("$6$[rounds=N$]salt"); it returns ""
// for a setting it does not accept.
func sha512Crypt(pw, setting string) string {
	rest, ok := strings.CutPrefix(setting, "$6$")
	if !ok {
		return ""
	}
	rounds, explicit := 5000, false
	if r, ok := strings.CutPrefix(rest, "rounds="); ok {
		n, after, found := strings.Cut(r, "$")
		if !found {
			return ""
		}
		v, err := strconv.Atoi(n)
		if err != nil || v < 0 {
			return ""
		}
		// The specification clamps the rounds to [1000, 999999999]; the upper bound is
		// lowered so that a stored hash cannot make a check run for minutes.
		if v > 10_000_000 {
			return ""
		}
		rounds, explicit, rest = max(v, 1000), true, after
	}
	salt, _, _ := strings.Cut(rest, "$")
	if len(salt) > 16 {
		salt = salt[:16]
	}
	p, s := []byte(pw), []byte(salt)

	b := sha512.New()
	b.Write(p)
	b.Write(s)
	b.Write(p)
	sumB := b.Sum(nil)

	a := sha512.New()
	a.Write(p)
	a.Write(s)
	for n := len(p); n > 0; n -= 64 {
		a.Write(sumB[:min(n, 64)])
	}
	for n := len(p); n > 0; n >>= 1 {
		if n&1 != 0 {
			a.Write(sumB)
		} else {
			a.Write(p)
		}
	}
	sumA := a.Sum(nil)

	dp := sha512.New()
	for range len(p) {
		dp.Write(p)
	}
	P := repeatTo(dp.Sum(nil), len(p))

	ds := sha512.New()
	for range 16 + int(sumA[0]) {
		ds.Write(s)
	}
	S := repeatTo(ds.Sum(nil), len(s))

	c := sumA
	h := sha512.New()
	for i := range rounds {
		h.Reset()
		if i&1 != 0 {
			h.Write(P)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(S)
		}
		if i%7 != 0 {
			h.Write(P)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(P)
		}
		c = h.Sum(c[:0])
	}

	var out strings.Builder
	out.WriteString("$6$")
	if explicit {
		out.WriteString("rounds=" + strconv.Itoa(rounds) + "$")
	}
	out.WriteString(salt)
	out.WriteByte('$')
	enc := func(b2, b1, b0 byte, n int) {
		w := uint(b2)<<16 | uint(b1)<<8 | uint(b0)
		for range n {
			out.WriteByte(cryptAlphabet[w&0x3f])
			w >>= 6
		}
	}
	// The specification interleaves the digest's thirds, rotating by one each group.
	for i := range 21 {
		x, y, z := c[i], c[i+21], c[i+42]
		switch i % 3 {
		case 1:
			x, y, z = y, z, x
		case 2:
			x, y, z = z, x, y
		}
		enc(x, y, z, 4)
	}
	enc(0, 0, c[63], 2)
	return out.String()
}

func repeatTo(sum []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out) < n {
		out = append(out, sum[:min(64, n-len(out))]...)
	}
	return out
}
