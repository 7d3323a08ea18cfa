-- The catalog: products and their plans, per policy pack (cp.av.2.1, fo.av.2.1, fo.av.2.2).
-- Prices exclude VAT (cp.av.4.1, fo.av.15.1) and are kept in cents. Contracts do not
-- reference these rows by foreign key: a subscription stores the plan id and a snapshot
-- of the name and price it was sold at.
CREATE TABLE catalog_products (
	id {{pk}},
	pack TEXT NOT NULL,
	code TEXT NOT NULL,
	kind TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	retention_category TEXT NOT NULL DEFAULT '',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	UNIQUE (pack, code)
);
CREATE TABLE catalog_plans (
	id {{pk}},
	product_id BIGINT NOT NULL REFERENCES catalog_products (id),
	code TEXT NOT NULL,
	name TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	billing TEXT NOT NULL,
	period TEXT NOT NULL DEFAULT '',
	price BIGINT NOT NULL,
	setup_fee BIGINT NOT NULL DEFAULT 0,
	storage_mb BIGINT NOT NULL DEFAULT 0,
	traffic_gb BIGINT NOT NULL DEFAULT 0,
	sla BOOLEAN NOT NULL DEFAULT FALSE,
	withdrawal_waivable BOOLEAN NOT NULL DEFAULT FALSE,
	tld TEXT NOT NULL DEFAULT '',
	vat_category TEXT NOT NULL DEFAULT 'standard',
	active BOOLEAN NOT NULL DEFAULT TRUE,
	created_at {{ts}} NOT NULL,
	updated_at {{ts}} NOT NULL,
	UNIQUE (product_id, code)
);
CREATE INDEX catalog_plans_product ON catalog_plans (product_id);
