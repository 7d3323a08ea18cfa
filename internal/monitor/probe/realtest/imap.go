package realtest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

var imapSource atomic.Uint32

// IMAPLogin logs in to the IMAP server at addr with user and password and logs out;
// it returns the server's words when the login is refused. Each login comes from
// another loopback address (127.0.x.y): Dovecot delays the logins from an address
// after a failed one, and the refusals a test expects are failed logins.
func IMAPLogin(addr, user, password string) error {
	n := imapSource.Add(1)
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(100+n/250%100), byte(1+n%250))}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(conn)
	if _, err := r.ReadString('\n'); err != nil {
		return err
	}
	quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace
	if _, err := fmt.Fprintf(conn, "a1 LOGIN \"%s\" \"%s\"\r\n", quote(user), quote(password)); err != nil {
		return err
	}
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		l = strings.TrimRight(l, "\r\n")
		if rest, ok := strings.CutPrefix(l, "a1 "); ok {
			if !strings.HasPrefix(rest, "OK") {
				return errors.New(rest)
			}
			_, _ = fmt.Fprintf(conn, "a2 LOGOUT\r\n")
			return nil
		}
	}
}
