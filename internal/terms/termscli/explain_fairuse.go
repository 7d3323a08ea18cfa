package termscli

import (
	"math/big"
	"regexp"
	"strings"

	"github.com/hostpact/hostpact/internal/terms"
)

// The fair-use question (fo.av.12.3, fo.av.12.4) registers itself here, beside the
// questions of explain.go, with its two flags of its own.
func init() {
	strFlags = append(strFlags, "usage", "peers")
	questions["fair-use"] = question{
		help:     "--usage X --peers A,B,C,…: 5online fair use; amounts in GB, decimals allowed",
		required: []string{"usage", "peers"},
		run: func(p *terms.Policy, v *values) (any, terms.Explanation, error) {
			u, err := parseGB(*v.strs["usage"])
			if err != nil {
				return nil, nil, usageErr("--usage: %v", err)
			}
			var peers []*big.Rat
			for i, s := range strings.Split(*v.strs["peers"], ",") {
				x, err := parseGB(s)
				if err != nil {
					return nil, nil, usageErr("--peers: amount %d: %v", i+1, err)
				}
				peers = append(peers, x)
			}
			return p.FairUseAmounts(u, peers)
		},
	}
}

var gbRE = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,9})?$`)

// parseGB reads an amount in GB: digits with at most nine decimals (a byte), no sign,
// no exponent.
func parseGB(s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	if !gbRE.MatchString(s) {
		return nil, usageErr("%q is not an amount in GB such as 12 or 12.5", s)
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return nil, usageErr("%q is not an amount in GB", s)
	}
	return r, nil
}
