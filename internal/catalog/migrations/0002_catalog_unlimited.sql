-- Unlimited is a state of its own, never a number (issue 15: "-1 = unlimited" shown as
-- negative usage). A plan stored before this migration with 0 stated no limit, which is
-- what the flags now say in words.
ALTER TABLE catalog_plans ADD COLUMN storage_unlimited BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE catalog_plans ADD COLUMN traffic_unlimited BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE catalog_plans SET storage_unlimited = (storage_mb = 0), traffic_unlimited = (traffic_gb = 0);
