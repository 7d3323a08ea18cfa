package probe

import (
	"context"
	"crypto/rand"
	"sync"
	"time"

	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// pingResend is how long a ping waits for its reply before the next echo goes out.
const pingResend = 500 * time.Millisecond

// echoes sends ICMP echo requests through write, one every pingResend, until read
// returns a reply to one of them or ctx ends: one lost datagram (a busy machine's socket
// buffer, a WireGuard keypair rotation) is no outage. The ICMP check and the ping
// through a WireGuard tunnel share it. A random token in the data tells our replies
// apart: an unprivileged socket rewrites the identifier, and a raw socket sees every
// reply on the host. The caller bounds read by ctx's deadline.
func echoes(ctx context.Context, v6 bool, write func([]byte) error, read func([]byte) (int, error)) (time.Duration, error) {
	var token [8]byte
	_, _ = rand.Read(token[:])
	ident, seq0 := int(token[0])<<8|int(token[1]), int(token[2])<<8|int(token[3])
	var req, rep icmp.Type = ipv4.ICMPTypeEcho, ipv4.ICMPTypeEchoReply
	proto := 1
	if v6 {
		req, rep, proto = ipv6.ICMPTypeEchoRequest, ipv6.ICMPTypeEchoReply, 58
	}
	var mu sync.Mutex
	sent := map[int]time.Time{}
	send := func(n int) error {
		seq := (seq0 + n) & 0xffff
		msg, err := (&icmp.Message{Type: req, Body: &icmp.Echo{ID: ident, Seq: seq, Data: token[:]}}).Marshal(nil)
		if err != nil {
			return err
		}
		mu.Lock()
		sent[seq] = time.Now()
		mu.Unlock()
		return write(msg)
	}
	if err := send(0); err != nil {
		return 0, err
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(pingResend)
		defer tick.Stop()
		for n := 1; ; n++ {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				if send(n) != nil {
					return
				}
			}
		}
	}()
	buf := make([]byte, 1500)
	for {
		n, err := read(buf)
		if err != nil {
			return 0, err
		}
		msg, err := icmp.ParseMessage(proto, buf[:n])
		if err != nil || msg.Type != rep {
			continue
		}
		e, ok := msg.Body.(*icmp.Echo)
		if !ok || string(e.Data) != string(token[:]) {
			continue
		}
		mu.Lock()
		at, ok := sent[e.Seq]
		mu.Unlock()
		if ok {
			return time.Since(at), nil
		}
	}
}
