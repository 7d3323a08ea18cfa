package terms

import (
	"fmt"
	"math/big"
	"strings"
)

// Usage resources the terms limit per plan.
const (
	ResourceTraffic = "traffic" // inbound + outbound per calendar month (cp.av.9.3)
	ResourceStorage = "storage" // the month's highest disk use (cp.av.5.11)
)

// bytesPerGB: the terms and the catalog count in GB and MB; hostpact reads them as
// decimal units (10^9 and 10^6 bytes), as providers' price lists and meters do.
const (
	BytesPerGB = 1_000_000_000
	BytesPerMB = 1_000_000
)

// GB is bytes as an exact number of GB.
func GB(bytes int64) *big.Rat { return big.NewRat(bytes, BytesPerGB) }

// UsageInput is one customer's use of one resource in one calendar month against the
// plan's limit (both in bytes). Unlimited: the plan states no limit.
type UsageInput struct {
	Resource  string
	Month     string // "2026-03"
	Used      int64
	Limit     int64
	Unlimited bool
}

// UsageCheck is how far a month's use has come towards the plan's limit.
type UsageCheck struct {
	Unlimited bool   `json:"unlimited"`
	Percent   string `json:"percent,omitempty"` // of the limit, two decimals
	// Reached are the warning thresholds (percent) reached, ascending.
	Reached []int `json:"reached,omitempty"`
	Over    bool  `json:"over"`
}

func (p *Policy) resourceClauses(resource string) []string {
	u := p.Terms.Usage
	if resource == ResourceStorage && len(u.StorageClauses) > 0 {
		return u.StorageClauses
	}
	if resource == ResourceTraffic && len(u.TrafficClauses) > 0 {
		return u.TrafficClauses
	}
	return u.Clauses
}

func checkUsageInput(in UsageInput) error {
	if in.Resource != ResourceTraffic && in.Resource != ResourceStorage {
		return inputErr("resource", "is traffic or storage")
	}
	if in.Used < 0 {
		return inputErr("usage", "cannot be negative")
	}
	if !in.Unlimited && in.Limit <= 0 {
		return inputErr("limit", "a limit is above 0, or the plan is unlimited")
	}
	return nil
}

// UsageThresholds says which warning thresholds a month's use has reached (the
// customer is warned at each once per month, WarnAt) and whether it is above the
// limit. A plan without a limit is never over it (fo.av.12.1: fair use applies then).
func (p *Policy) UsageThresholds(in UsageInput) (UsageCheck, Explanation, error) {
	if err := checkUsageInput(in); err != nil {
		return UsageCheck{}, nil, err
	}
	u := p.Terms.Usage
	cl := p.resourceClauses(in.Resource)
	var ex Explanation
	if in.Unlimited {
		ex.add(cl, "The plan states no limit for this resource, so there is nothing to warn about or bill.", u.Reading,
			inputs("resource", in.Resource, "month", in.Month, "used", GB(in.Used).FloatString(2)), "unlimited")
		ex.key("usage.unlimited", kv{"resource": in.Resource, "month": in.Month})
		return UsageCheck{Unlimited: true}, ex, nil
	}
	pct := new(big.Rat).Mul(big.NewRat(in.Used, in.Limit), big.NewRat(100, 1))
	res := UsageCheck{Percent: pct.FloatString(2)}
	for _, w := range u.WarnAt {
		if pct.Cmp(big.NewRat(int64(w), 1)) >= 0 {
			res.Reached = append(res.Reached, w)
		}
	}
	res.Over = in.Used > in.Limit
	used, limit := GB(in.Used).FloatString(2), GB(in.Limit).FloatString(2)
	ex.add(cl, fmt.Sprintf("In %s the %s used was %s GB of the plan's %s GB: %s%%. The customer is warned at %s%% of the limit.",
		in.Month, in.Resource, used, limit, res.Percent, joinInts(u.WarnAt)), u.Reading,
		inputs("resource", in.Resource, "month", in.Month, "used_gb", used, "limit_gb", limit), res.Percent)
	ex.key("usage.share", kv{"resource": in.Resource, "month": in.Month, "used": used, "limit": limit, "percent": res.Percent, "warn_at": joinInts(u.WarnAt)})
	return res, ex, nil
}

// Overage is the charge for a month's use above the plan (cp.av.5.11, cp.av.9.4).
type Overage struct {
	OverBytes  int64  `json:"over_bytes"`
	OverGB     string `json:"over_gb"` // three decimals
	PricePerGB Money  `json:"price_per_gb"`
	Amount     Money  `json:"amount"` // excl. VAT
}

// OverageCharge prices a month's use above the plan at the published price per GB
// (cp.av.5.11 storage, cp.av.9.4 traffic): the part above the limit × the price,
// rounded half up to the cent. Traffic is the month's inbound plus outbound without
// carry-over (cp.av.9.2, cp.av.9.3); storage is the month's highest use. Nothing is
// charged under an unlimited plan or at or below the limit.
func (p *Policy) OverageCharge(in UsageInput) (Overage, Explanation, error) {
	if err := checkUsageInput(in); err != nil {
		return Overage{}, nil, err
	}
	u := p.Terms.Usage
	if u.OverageMode != "bill" && !u.CustomerChoosesMode {
		return Overage{}, nil, notInTerms("%s names no price for usage above the plan (%s)", p.PackName(), joinIDs(u.Clauses))
	}
	price := u.OveragePrices.TrafficGB
	if in.Resource == ResourceStorage {
		price = u.OveragePrices.StorageGB
	}
	cl := p.resourceClauses(in.Resource)
	res := Overage{PricePerGB: price}
	var ex Explanation
	if in.Unlimited || in.Used <= in.Limit {
		ex.add(cl, "Usage at or below the plan's limit costs nothing extra.", u.OveragePrices.Reading,
			inputs("resource", in.Resource, "month", in.Month, "used_gb", GB(in.Used).FloatString(2)), Money(0))
		ex.key("usage.no_overage", kv{"resource": in.Resource, "month": in.Month})
		res.OverGB = "0.000"
		return res, ex, nil
	}
	res.OverBytes = in.Used - in.Limit
	over := GB(res.OverBytes)
	res.OverGB = over.FloatString(3)
	res.Amount = RoundCents(new(big.Rat).Mul(over, price.Rat()))
	used, limit := GB(in.Used).FloatString(3), GB(in.Limit).FloatString(3)
	what := "inbound plus outbound traffic"
	if in.Resource == ResourceStorage {
		what = "highest storage use"
	}
	ex.add(cl, fmt.Sprintf("In %s the %s was %s GB against a limit of %s GB; the %s GB above it is charged at the published %s per GB: %s.",
		in.Month, what, used, limit, res.OverGB, price, res.Amount), u.OveragePrices.Reading,
		inputs("resource", in.Resource, "month", in.Month, "used_gb", used, "limit_gb", limit, "price_per_gb", price), res.Amount)
	ex.key("usage.overage", kv{"resource": in.Resource, "month": in.Month, "used": used, "limit": limit, "over": res.OverGB, "price": price, "amount": res.Amount})
	return res, ex, nil
}

// FairUseVerdict is the fair-use test on amounts with decimals (GB).
type FairUseVerdict struct {
	OverLimit bool `json:"over_limit"`
	// Limit is multiplier × Mean, two decimals; empty with too few peers.
	Limit string `json:"limit,omitempty"`
	Mean  string `json:"mean,omitempty"`
	Peers int    `json:"peers"`
	// Action: "none" with too few peers (no action is possible), else "warn_first".
	Action string `json:"action"`
	Note   string `json:"note,omitempty"`
}

// FairUseAmounts is 5online's fair-use test (fo.av.12.3, fo.av.12.4; A20) on exact
// amounts: the customer may use up to Multiplier × the mean of the other active
// customers on the same plan; above that is over, unless there are fewer than
// MinPeers of them, when no action is possible. The comparison is exact; Limit and
// Mean are shown to two decimals (half away from zero).
func (p *Policy) FairUseAmounts(usage *big.Rat, peers []*big.Rat) (FairUseVerdict, Explanation, error) {
	f := p.Terms.Usage.FairUse
	if !f.Enabled {
		return FairUseVerdict{}, nil, notInTerms("%s has no fair-use policy; usage above the plan is billed (%s)", p.PackName(), joinIDs(p.Terms.Usage.Clauses))
	}
	if usage == nil || usage.Sign() < 0 {
		return FairUseVerdict{}, nil, inputErr("usage", "cannot be negative")
	}
	sum := new(big.Rat)
	for i, u := range peers {
		if u == nil || u.Sign() < 0 {
			return FairUseVerdict{}, nil, inputErr("peers", "usage of peer %d is negative", i+1)
		}
		sum.Add(sum, u)
	}
	res := FairUseVerdict{Peers: len(peers), Action: "none"}
	var ex Explanation
	if len(peers) < f.MinPeers {
		res.Note = fmt.Sprintf("no action is possible with fewer than %d other active customers on the plan", f.MinPeers)
		ex.add(f.Clauses, fmt.Sprintf("With fewer than %d other active customers on the plan there is no reliable baseline, so no action is possible.", f.MinPeers),
			f.Reading, inputs("peers", len(peers)), "no action")
		ex.key("fairuse.few_peers", kv{"min": f.MinPeers, "peers": len(peers)})
		return res, ex, nil
	}
	mean := new(big.Rat).Quo(sum, big.NewRat(int64(len(peers)), 1))
	limit := new(big.Rat).Mul(mean, big.NewRat(int64(f.Multiplier), 1))
	res.Mean, res.Limit = mean.FloatString(2), limit.FloatString(2)
	res.OverLimit = usage.Cmp(limit) > 0
	res.Action = "warn_first"
	ex.add(f.Clauses, fmt.Sprintf("Fair use is at most %d × the mean usage (%s) of the %d other active customers on the same plan: %s.",
		f.Multiplier, res.Mean, len(peers), res.Limit), f.Reading, inputs("peers", len(peers), "mean", res.Mean), res.Limit)
	ex.key("fairuse.limit", kv{"multiplier": f.Multiplier, "peers": len(peers), "mean": res.Mean, "limit": res.Limit})
	ex.add(f.Clauses, fmt.Sprintf("Usage of %s is %s the limit; above it, after at least %d warning(s), the plan may be converted, limited or blocked.",
		usage.FloatString(2), map[bool]string{true: "above", false: "within"}[res.OverLimit], f.WarningsRequired),
		"", inputs("usage", usage.FloatString(2)), fmt.Sprint(res.OverLimit))
	ex.key(map[bool]string{true: "fairuse.over", false: "fairuse.within"}[res.OverLimit], kv{"usage": usage.FloatString(2), "warnings": f.WarningsRequired})
	return res, ex, nil
}

// FairUseWarnings is how many warnings must precede a conversion, limit or block
// (fo.av.12.4).
func (p *Policy) FairUseWarnings() int { return p.Terms.Usage.FairUse.WarningsRequired }

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
