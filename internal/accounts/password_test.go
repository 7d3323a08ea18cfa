package accounts

import (
	"context"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/clock"
)

func TestArgon2idHash(t *testing.T) {
	ctx := context.Background()
	s := New(nil, clock.NewFake(t0), Config{Argon2: lightArgon})
	h, err := s.hashPassword(ctx, goodPW)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Contains(h, goodPW) {
		t.Fatalf("hash %q", h)
	}
	if h2, _ := s.hashPassword(ctx, goodPW); h2 == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, rehash, _ := s.verifyPassword(ctx, h, goodPW); !ok || rehash {
		t.Fatalf("verify right password: ok=%v rehash=%v", ok, rehash)
	}
	if ok, _, _ := s.verifyPassword(ctx, h, otherPW); ok {
		t.Fatal("wrong password verified")
	}
	for _, bad := range []string{"", "$argon2id$v=19$m=64,t=1,p=1$xx", "$2a$10$abcdefghijklmnopqrstuv", "$argon2id$v=19$m=64,t=0,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"} {
		if ok, _, err := s.verifyPassword(ctx, bad, ""); ok || err != nil {
			t.Fatalf("verify against %q: ok=%v err=%v", bad, ok, err)
		}
	}
	// Raising the cost later: old hashes still verify and ask to be redone.
	stronger := New(nil, clock.NewFake(t0), Config{Argon2: Argon2Params{Memory: 128, Time: 2, Threads: 1}})
	if ok, rehash, _ := stronger.verifyPassword(ctx, h, goodPW); !ok || !rehash {
		t.Fatalf("after a cost change: ok=%v rehash=%v", ok, rehash)
	}
	if New(nil, nil, Config{}).argon != DefaultArgon2 {
		t.Fatal("zero Config.Argon2 must mean DefaultArgon2")
	}
}

func TestConfigValidate(t *testing.T) {
	if err := (Config{SessionTTL: "12h", ResetTokenTTL: "1h"}).Validate(); err != nil {
		t.Fatal(err)
	}
	if err := (Config{SessionTTL: "forever"}).Validate(); err == nil {
		t.Fatal("bad TTL accepted")
	}
	s := New(nil, nil, Config{SessionTTL: "forever"})
	if s.sessionTTL != defaultSessionTTL || s.resetTTL != defaultResetTTL {
		t.Fatal("defaults not applied")
	}
}
