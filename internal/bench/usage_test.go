package bench

import (
	"context"
	"io"
	"testing"
)

// BenchmarkUsageIngest: `hostpact bench usage` at a small size, for profiles.
func BenchmarkUsageIngest(b *testing.B) {
	for b.Loop() {
		if err := Usage(context.Background(), []string{"--samples", "60000", "--services", "2000"}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
