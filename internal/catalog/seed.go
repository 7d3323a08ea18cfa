package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

type seedPlan struct {
	code, name         string
	billing            Billing
	period             string
	price, setup       terms.Money
	storageMB, traffGB int64
	sla, waivable      bool
	tld                string
}

type seedProduct struct {
	code, name, description string
	kind                    Kind
	retention               string
	plans                   []seedPlan
}

func eur(euros, cents int64) terms.Money { return terms.Euros(euros) + terms.Money(cents) }

func monthly(code, name string, price terms.Money, storageGB, trafficGB int64, sla bool) seedPlan {
	return seedPlan{code: code, name: name, billing: Subscription, period: "P1M", price: price, storageMB: storageGB * 1024, traffGB: trafficGB, sla: sla}
}

func domain(tld string, price terms.Money, waivable bool) seedPlan {
	return seedPlan{code: tld, name: "." + tld, billing: Subscription, period: "P1Y", price: price, waivable: waivable, tld: tld}
}

func project(code, name string, price terms.Money) seedPlan {
	return seedPlan{code: code, name: name, billing: OneOff, price: price}
}

// demoCatalogs is a realistic catalog for each shipped pack. Retention categories are
// the pack's own (cp: hosting-data, email-data, domain-data…; fo: customer-data).
var demoCatalogs = map[string][]seedProduct{
	"cloudprovider": {
		{code: "webhosting", name: "Webhosting", kind: KindWebhosting, retention: "hosting-data",
			description: "Shared webhosting with PHP, MySQL, SSL and daily backups.",
			plans: []seedPlan{
				monthly("start", "Start", eur(3, 95), 10, 100, true),
				monthly("pro", "Pro", eur(7, 95), 50, 500, true),
				monthly("business", "Business", eur(14, 95), 150, 2000, true),
			}},
		{code: "email", name: "E-mail hosting", kind: KindEmail, retention: "email-data",
			description: "Mailboxes with IMAP, POP3, SMTP, webmail, spam and virus filtering.",
			plans: []seedPlan{
				monthly("basic", "Basic", eur(1, 95), 5, 0, true),
				monthly("plus", "Plus", eur(4, 95), 25, 0, true),
			}},
		{code: "vps", name: "VPS", kind: KindVPS, retention: "hosting-data",
			description: "Virtual private server with root access; backups are an optional add-on.",
			plans: []seedPlan{
				monthly("s", "VPS S", eur(9, 95), 40, 2000, true),
				monthly("m", "VPS M", eur(19, 95), 80, 4000, true),
				monthly("l", "VPS L", eur(39, 95), 160, 8000, true),
			}},
		{code: "vps-backup", name: "VPS backups", kind: KindVPSBackup, retention: "backups",
			description: "Daily backups of a VPS: the last 7 daily and 4 weekly (cp.sla.backups.1).",
			plans: []seedPlan{
				monthly("s", "Backups for VPS S", eur(2, 50), 40, 0, true),
				monthly("m", "Backups for VPS M", eur(4, 0), 80, 0, true),
				monthly("l", "Backups for VPS L", eur(7, 50), 160, 0, true),
			}},
		{code: "containers", name: "Container hosting", kind: KindContainers, retention: "hosting-data",
			description: "Managed container platform.",
			plans: []seedPlan{
				monthly("small", "Small", eur(12, 50), 20, 1000, true),
				monthly("medium", "Medium", eur(25, 0), 50, 3000, true),
			}},
		{code: "vpn", name: "VPN server", kind: KindVPN, retention: "hosting-data",
			description: "A private WireGuard VPN server.",
			plans:       []seedPlan{monthly("standard", "Standard", eur(6, 95), 1, 1000, true)}},
		{code: "domains", name: "Domain names", kind: KindDomain, retention: "domain-data",
			description: "Registration and renewal of a domain name, per extension, per year.",
			plans: []seedPlan{
				domain("nl", eur(7, 95), true), domain("be", eur(9, 95), true), domain("eu", eur(8, 95), true),
				domain("de", eur(9, 50), true), domain("com", eur(12, 95), true), domain("net", eur(14, 95), true),
				domain("org", eur(13, 95), true),
			}},
		{code: "email-marketing", name: "E-mail marketing", kind: KindEmailMarketing, retention: "email-marketing-data",
			description: "Newsletters and campaigns with consent management.",
			plans: []seedPlan{
				monthly("starter", "Starter", eur(9, 95), 1, 0, false),
				monthly("pro", "Pro", eur(29, 95), 5, 0, false),
			}},
	},
	"5online": {
		{code: "website", name: "Website", kind: KindWebsite, retention: "customer-data",
			description: "Design and build of a website, delivered in phases (fo.av.2.2).",
			plans: []seedPlan{
				project("basic", "Website Basic", eur(1495, 0)),
				project("pro", "Website Pro", eur(3950, 0)),
				project("webshop", "Webshop", eur(6500, 0)),
			}},
		{code: "design", name: "Design", kind: KindDesign, retention: "customer-data",
			description: "House style, logo and layout.",
			plans: []seedPlan{
				project("logo", "Logo and house style", eur(850, 0)),
				project("brochure", "Brochure design", eur(450, 0)),
			}},
		{code: "livestream", name: "Livestream", kind: KindLivestream, retention: "customer-data",
			description: "Production of a livestream with crew and equipment.",
			plans: []seedPlan{
				project("half-day", "Livestream, half day", eur(1250, 0)),
				project("full-day", "Livestream, full day", eur(2150, 0)),
			}},
		{code: "drone", name: "Drone photo and video", kind: KindDrone, retention: "customer-data",
			description: "Aerial photography and video by a certified pilot.",
			plans: []seedPlan{
				project("photo", "Drone photo session", eur(395, 0)),
				project("video", "Drone video production", eur(895, 0)),
			}},
		{code: "print", name: "Print work", kind: KindPrint, retention: "customer-data",
			description: "Printed matter from the designs made.",
			plans: []seedPlan{
				project("flyers-1000", "Flyers, 1000 pieces", eur(145, 0)),
				project("cards-500", "Business cards, 500 pieces", eur(75, 0)),
			}},
		{code: "hosting", name: "Hosting", kind: KindHosting, retention: "customer-data",
			description: "Hosting of the website 5online built.",
			plans: []seedPlan{
				{code: "basic", name: "Hosting Basic", billing: Subscription, period: "P1M", price: eur(9, 95), setup: eur(25, 0), storageMB: 10 * 1024, traffGB: 200},
				{code: "plus", name: "Hosting Plus", billing: Subscription, period: "P1M", price: eur(19, 95), setup: eur(25, 0), storageMB: 50 * 1024, traffGB: 1000},
			}},
		{code: "domains", name: "Domain names", kind: KindDomain, retention: "customer-data",
			description: "Registration of a domain name, per extension, per year.",
			plans: []seedPlan{
				domain("nl", eur(12, 50), false), domain("be", eur(14, 50), false),
				domain("eu", eur(13, 50), false), domain("com", eur(17, 50), false),
			}},
	},
}

// SeedDemo loads the demo catalog of a shipped pack ("cloudprovider" or "5online").
// Running it again adds only what is missing and changes nothing else.
func SeedDemo(ctx context.Context, svc *Service, pack string) error {
	products, ok := demoCatalogs[pack]
	if !ok {
		return fmt.Errorf("catalog: no demo catalog for pack %q", pack)
	}
	if a := audit.ActorFrom(ctx); a.Kind != audit.ActorSystem || a.Label == "unknown" {
		ctx = audit.WithActor(ctx, audit.System("demo"))
	}
	return svc.db.InTx(ctx, func(q store.Querier) error {
		now := svc.now()
		for _, sp := range products {
			pin := ProductInput{Pack: pack, Code: sp.code, Kind: sp.kind, Name: sp.name, Description: sp.description, RetentionCategory: sp.retention}
			if fe := validateProduct(&pin); len(fe) > 0 {
				return fmt.Errorf("catalog: demo product %s: %w", sp.code, fe)
			}
			var pid int64
			err := q.QueryRowContext(ctx, `SELECT id FROM catalog_products WHERE pack = $1 AND code = $2`, pack, sp.code).Scan(&pid)
			if errors.Is(err, sql.ErrNoRows) {
				p, err := insertProduct(ctx, q, now, pin)
				if err != nil {
					return err
				}
				pid = p.ID
			} else if err != nil {
				return err
			}
			product, err := getProduct(ctx, q, pid)
			if err != nil {
				return err
			}
			for _, pl := range sp.plans {
				var n int
				if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM catalog_plans WHERE product_id = $1 AND code = $2`, pid, pl.code).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					continue
				}
				in := PlanInput{ProductID: pid, Code: pl.code, Name: pl.name, Billing: pl.billing, Period: pl.period, Price: pl.price,
					SetupFee: pl.setup, StorageMB: pl.storageMB, TrafficGB: pl.traffGB, SLA: pl.sla, WithdrawalWaivable: pl.waivable, TLD: pl.tld}
				if _, fe := validatePlan(&in, product); len(fe) > 0 {
					return fmt.Errorf("catalog: demo plan %s/%s: %w", sp.code, pl.code, fe)
				}
				if _, err := insertPlan(ctx, q, now, product, in); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
