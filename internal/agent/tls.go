package agent

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/hostpact/hostpact/internal/agent/pki"
)

// TLSConfig is the agent's side of mutual TLS: TLS 1.3 only, its own certificate from
// the bundle, and a client certificate that chains to the bundle's CA required on every
// connection. The CA is the one hostpact made for this server alone, so no other
// hostpact installation, nor anyone holding a publicly trusted certificate, gets in.
func TLSConfig(b pki.Bundle) (*tls.Config, error) {
	cert, err := tls.X509KeyPair(b.Server.CertPEM, b.Server.KeyPEM)
	if err != nil {
		return nil, err
	}
	pool, err := pki.Pool(b.CAPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{
		MinVersion:   tls.VersionTLS13,
		Certificates: []tls.Certificate{cert},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    pool,
	}, nil
}

// Serve answers h over mutual TLS on l until ctx ends, then shuts down and lets the
// running operations finish (a module half-way through creating an account is better
// left to complete than cut off).
func Serve(ctx context.Context, l net.Listener, tc *tls.Config, h http.Handler, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           h,
		TLSConfig:         tc,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(tls.NewListener(l, tc)) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	err := srv.Shutdown(shutdown)
	if e := <-done; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return err
}
