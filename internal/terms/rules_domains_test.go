package terms

import (
	"testing"
	"time"
)

// A domain cancelled for non-payment is deleted a month after the notice (cp.av.6.9,
// fo.av.10.6), in both packs.
func TestDomainCancelForDefault(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"cloudprovider", "5online"} {
		pk, err := LoadPack(name)
		if err != nil {
			t.Fatal(err)
		}
		pol, err := pk.At(D(2026, 3, 1))
		if err != nil {
			t.Fatal(err)
		}
		on, ex, err := pol.DomainCancelForDefault(D(2026, time.January, 31))
		if err != nil {
			t.Fatal(err)
		}
		if on != D(2026, 2, 28) {
			t.Errorf("%s: deleted on %s, want 2026-02-28", name, on)
		}
		if len(ex) == 0 || ex[0].Clause == "" {
			t.Errorf("%s: explanation %+v", name, ex)
		}
		if len(pol.Terms.Domains.DataSharing) == 0 {
			t.Errorf("%s: no data sharing clauses", name)
		}
	}
}
