package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// Bot protection without a third party (issue 9): a proof-of-work challenge in the
// manner of ALTCHA. The server picks a secret number n below max and sends the salt and
// SHA-256(salt + n), signed with an HMAC; the browser (static/pow.js) tries numbers
// until the hash matches, which costs a person's browser a second and a bot that
// posts thousands of forms thousands of seconds. The salt carries the expiry; a solved
// challenge is accepted once. altcha-lib-go is not served by our module proxy, so this
// is our own, ~100 lines.
//
// The HMAC key and the used set live in this process: behind a load balancer a
// challenge must be answered at the instance that issued it (sticky sessions), or the
// visitor gets a fresh one and solves again.
type powIssuer struct {
	key   []byte
	clock clock.Clock
	max   int64
	ttl   time.Duration
	mu    sync.Mutex
	used  map[string]time.Time // challenge → its expiry
}

type powChallenge struct {
	Salt, Challenge, Signature string
	Max                        int64
}

func newPowIssuer(c clock.Clock, max int64) *powIssuer {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return &powIssuer{key: key, clock: c, max: max, ttl: 20 * time.Minute, used: map[string]time.Time{}}
}

func (p *powIssuer) sign(salt, challenge string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(salt + "|" + challenge))
	return hex.EncodeToString(m.Sum(nil))
}

func powHash(salt string, n int64) string {
	sum := sha256.Sum256([]byte(salt + strconv.FormatInt(n, 10)))
	return hex.EncodeToString(sum[:])
}

func (p *powIssuer) issue() powChallenge {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	salt := hex.EncodeToString(b) + "." + strconv.FormatInt(p.clock.Now().Add(p.ttl).Unix(), 10)
	nb, _ := rand.Int(rand.Reader, big.NewInt(p.max))
	ch := powHash(salt, nb.Int64())
	return powChallenge{Salt: salt, Challenge: ch, Signature: p.sign(salt, ch), Max: p.max}
}

// verify reports whether number solves the signed, unexpired challenge, and uses it up.
func (p *powIssuer) verify(salt, challenge, signature, number string) bool {
	if len(salt) > 64 || len(challenge) != 64 || len(signature) != 64 || len(number) > 12 {
		return false
	}
	if !hmac.Equal([]byte(p.sign(salt, challenge)), []byte(signature)) {
		return false
	}
	_, exp, ok := strings.Cut(salt, ".")
	if !ok {
		return false
	}
	unix, err := strconv.ParseInt(exp, 10, 64)
	now := p.clock.Now()
	if err != nil || !now.Before(time.Unix(unix, 0)) {
		return false
	}
	n, err := strconv.ParseInt(number, 10, 64)
	if err != nil || n < 0 || n >= p.max || powHash(salt, n) != challenge {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, until := range p.used {
		if !now.Before(until) {
			delete(p.used, k)
		}
	}
	if _, dup := p.used[challenge]; dup {
		return false
	}
	p.used[challenge] = time.Unix(unix, 0)
	return true
}
