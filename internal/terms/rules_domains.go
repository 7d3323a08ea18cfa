package terms

// DomainCancelForDefault is the day the registry deletes a domain cancelled because the
// agreement was dissolved for non-payment, noticed to the registrant on noticeOn: the
// pack's notice later (cp.av.6.9, fo.av.10.6: one month).
func (p *Policy) DomainCancelForDefault(noticeOn Date) (Date, Explanation, error) {
	d := p.Terms.Domains
	if d.DefaultCancelNotice.IsZero() {
		return Date{}, nil, notInTerms("%s names no notice for cancelling a domain for non-payment", p.PackName())
	}
	if noticeOn.IsZero() {
		return Date{}, nil, inputErr("notice_on", "the day of the notice is required")
	}
	on := d.DefaultCancelNotice.AddTo(noticeOn, p.Calendar())
	var e Explanation
	e.add(d.Clauses, "after the agreement is dissolved for non-payment, a domain name is cancelled at the registry with a notice period", d.Reading,
		inputs("notice_on", noticeOn, "notice", d.DefaultCancelNotice), on.String())
	e.key("domain.cancel_for_default", kv{"notice": d.DefaultCancelNotice, "notice_on": noticeOn, "delete_on": on})
	return on, e, nil
}
