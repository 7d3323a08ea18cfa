package clock

import (
	"testing"
	"time"
)

func TestFakeMovesOnlyWhenTold(t *testing.T) {
	start := time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC)
	f := NewFake(start)
	if !f.Now().Equal(start) {
		t.Fatalf("Now = %v, want %v", f.Now(), start)
	}
	f.Advance(time.Hour)
	if want := start.Add(time.Hour); !f.Now().Equal(want) {
		t.Fatalf("after Advance: %v, want %v", f.Now(), want)
	}
	// 23:30 UTC on 31 Jan is already 1 Feb in Amsterdam: the terms' date.
	if d := start.In(Amsterdam).Day(); d != 1 {
		t.Fatalf("Amsterdam day = %d, want 1", d)
	}
}
