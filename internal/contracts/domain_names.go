package contracts

import (
	"context"
	"errors"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
)

// DomainNames checks at order that a domain plan's name can be had: a name the
// registry holds for someone else is refused at the order with the reason, unless the
// customer transfers it in (cp.av.6.2; internal/domains implements it). Its
// FieldErrors' "domain" message is shown at the line.
type DomainNames interface {
	OrderableDomain(ctx context.Context, orgID int64, name string) error
}

// UseDomainNames sets the check once the domains service exists (internal/app).
func (s *Service) UseDomainNames(n DomainNames) { s.dnames = n }

// orderableDomain asks DomainNames about a domain line whose name is well formed.
func (s *Service) orderableDomain(ctx context.Context, fe accounts.FieldErrors, field string, orgID int64, plan catalog.Plan, name string) error {
	if s.dnames == nil || plan.ProductKind != catalog.KindDomain || name == "" {
		return nil
	}
	if _, bad := fe[field]; bad {
		return nil
	}
	err := s.dnames.OrderableDomain(ctx, orgID, name)
	var nfe accounts.FieldErrors
	if errors.As(err, &nfe) {
		for _, m := range nfe {
			fe[field] = m
			break
		}
		return nil
	}
	return err
}

// ByKind hands each subscription to the Provisioner of its kind, and the rest to
// Default (internal/provision for services on servers, internal/domains for domain
// names). It passes suspension and plan changes on to those that follow them.
type ByKind struct {
	Default Provisioner
	Kinds   map[catalog.Kind]Provisioner
}

var (
	_ Provisioner      = ByKind{}
	_ ServiceSuspender = ByKind{}
	_ PlanChanger      = ByKind{}
)

func (b ByKind) of(sub Subscription) Provisioner {
	if p, ok := b.Kinds[sub.Kind]; ok && p != nil {
		return p
	}
	if b.Default == nil {
		return NoopProvisioner{}
	}
	return b.Default
}

// Provision passes the subscription on.
func (b ByKind) Provision(ctx context.Context, sub Subscription) error {
	return b.of(sub).Provision(ctx, sub)
}

// Deprovision passes the subscription on.
func (b ByKind) Deprovision(ctx context.Context, sub Subscription) error {
	return b.of(sub).Deprovision(ctx, sub)
}

// Suspend passes the subscription on when its provisioner suspends.
func (b ByKind) Suspend(ctx context.Context, sub Subscription) error {
	if h, ok := b.of(sub).(ServiceSuspender); ok {
		return h.Suspend(ctx, sub)
	}
	return nil
}

// Resume passes the subscription on when its provisioner suspends.
func (b ByKind) Resume(ctx context.Context, sub Subscription) error {
	if h, ok := b.of(sub).(ServiceSuspender); ok {
		return h.Resume(ctx, sub)
	}
	return nil
}

// PlanChanged passes the subscription on when its provisioner follows plan changes.
func (b ByKind) PlanChanged(ctx context.Context, sub Subscription) error {
	if h, ok := b.of(sub).(PlanChanger); ok {
		return h.PlanChanged(ctx, sub)
	}
	return nil
}
