-- The staff dashboard's monthly recurring revenue (issue 16) read from a maintained
-- total instead of summing every running subscription: per billing period, how many
-- running subscriptions of running contracts there are and the sum of their price
-- times quantity (0 counts as 1), as dashboard.go's exact query adds them up.
-- Triggers keep it exact in the transaction of every write, whichever code path makes
-- it (orders, provisioning, plan changes, indexation, endings, BulkLoad); they fire
-- only on the columns the figure depends on, so the billing run's updates of terms
-- and suspensions pay nothing. The index that served the sum (0006) has no reader left.
DROP INDEX subscriptions_mrr;
CREATE TABLE recurring_totals (
	period TEXT PRIMARY KEY,
	services BIGINT NOT NULL,
	amount BIGINT NOT NULL
);
INSERT INTO recurring_totals (period, services, amount)
	SELECT s.period, COUNT(*), SUM(s.price * CASE WHEN s.quantity > 1 THEN s.quantity ELSE 1 END)
	FROM subscriptions s JOIN contracts c ON c.id = s.contract_id
	WHERE s.status = 'active' AND s.billing = 'subscription' AND c.status = 'active'
	GROUP BY s.period;
--@ sqlite
CREATE TRIGGER recurring_totals_sub_ai AFTER INSERT ON subscriptions
WHEN new.status = 'active' AND new.billing = 'subscription' AND EXISTS (SELECT 1 FROM contracts WHERE id = new.contract_id AND status = 'active') BEGIN
	INSERT INTO recurring_totals (period, services, amount) VALUES (new.period, 1, new.price * CASE WHEN new.quantity > 1 THEN new.quantity ELSE 1 END)
		ON CONFLICT (period) DO UPDATE SET services = services + excluded.services, amount = amount + excluded.amount;
END;
CREATE TRIGGER recurring_totals_sub_ad AFTER DELETE ON subscriptions
WHEN old.status = 'active' AND old.billing = 'subscription' AND EXISTS (SELECT 1 FROM contracts WHERE id = old.contract_id AND status = 'active') BEGIN
	INSERT INTO recurring_totals (period, services, amount) VALUES (old.period, -1, -old.price * CASE WHEN old.quantity > 1 THEN old.quantity ELSE 1 END)
		ON CONFLICT (period) DO UPDATE SET services = services + excluded.services, amount = amount + excluded.amount;
END;
CREATE TRIGGER recurring_totals_sub_au AFTER UPDATE OF status, billing, price, quantity, period, contract_id ON subscriptions
WHEN old.status IS NOT new.status OR old.billing IS NOT new.billing OR old.price IS NOT new.price OR old.quantity IS NOT new.quantity
	OR old.period IS NOT new.period OR old.contract_id IS NOT new.contract_id BEGIN
	INSERT INTO recurring_totals (period, services, amount)
		SELECT old.period, -1, -old.price * CASE WHEN old.quantity > 1 THEN old.quantity ELSE 1 END
		WHERE old.status = 'active' AND old.billing = 'subscription' AND EXISTS (SELECT 1 FROM contracts WHERE id = old.contract_id AND status = 'active')
		ON CONFLICT (period) DO UPDATE SET services = services + excluded.services, amount = amount + excluded.amount;
	INSERT INTO recurring_totals (period, services, amount)
		SELECT new.period, 1, new.price * CASE WHEN new.quantity > 1 THEN new.quantity ELSE 1 END
		WHERE new.status = 'active' AND new.billing = 'subscription' AND EXISTS (SELECT 1 FROM contracts WHERE id = new.contract_id AND status = 'active')
		ON CONFLICT (period) DO UPDATE SET services = services + excluded.services, amount = amount + excluded.amount;
END;
CREATE TRIGGER recurring_totals_contract_au AFTER UPDATE OF status ON contracts
WHEN (old.status = 'active') <> (new.status = 'active') BEGIN
	INSERT INTO recurring_totals (period, services, amount)
		SELECT period, CASE WHEN new.status = 'active' THEN 1 ELSE -1 END * COUNT(*),
			CASE WHEN new.status = 'active' THEN 1 ELSE -1 END * SUM(price * CASE WHEN quantity > 1 THEN quantity ELSE 1 END)
		FROM subscriptions WHERE contract_id = new.id AND status = 'active' AND billing = 'subscription'
		GROUP BY period
		ON CONFLICT (period) DO UPDATE SET services = services + excluded.services, amount = amount + excluded.amount;
END;
--@ postgres
CREATE FUNCTION recurring_totals_add(p TEXT, n BIGINT, amt BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO recurring_totals (period, services, amount) VALUES (p, n, amt)
		ON CONFLICT (period) DO UPDATE SET services = recurring_totals.services + EXCLUDED.services, amount = recurring_totals.amount + EXCLUDED.amount;
END
$$;
CREATE FUNCTION recurring_totals_sub() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP <> 'INSERT' AND OLD.status = 'active' AND OLD.billing = 'subscription'
		AND EXISTS (SELECT 1 FROM contracts WHERE id = OLD.contract_id AND status = 'active') THEN
		PERFORM recurring_totals_add(OLD.period, -1, -OLD.price * CASE WHEN OLD.quantity > 1 THEN OLD.quantity ELSE 1 END);
	END IF;
	IF TG_OP <> 'DELETE' AND NEW.status = 'active' AND NEW.billing = 'subscription'
		AND EXISTS (SELECT 1 FROM contracts WHERE id = NEW.contract_id AND status = 'active') THEN
		PERFORM recurring_totals_add(NEW.period, 1, NEW.price * CASE WHEN NEW.quantity > 1 THEN NEW.quantity ELSE 1 END);
	END IF;
	RETURN NULL;
END
$$;
CREATE FUNCTION recurring_totals_contract() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	r RECORD;
	dir BIGINT := CASE WHEN NEW.status = 'active' THEN 1 ELSE -1 END;
BEGIN
	FOR r IN SELECT period, COUNT(*) AS n, SUM(price * CASE WHEN quantity > 1 THEN quantity ELSE 1 END) AS amt
		FROM subscriptions WHERE contract_id = NEW.id AND status = 'active' AND billing = 'subscription' GROUP BY period LOOP
		PERFORM recurring_totals_add(r.period, dir * r.n, dir * r.amt);
	END LOOP;
	RETURN NULL;
END
$$;
CREATE TRIGGER recurring_totals_sub_ai AFTER INSERT ON subscriptions
	FOR EACH ROW WHEN (NEW.status = 'active' AND NEW.billing = 'subscription') EXECUTE FUNCTION recurring_totals_sub();
CREATE TRIGGER recurring_totals_sub_ad AFTER DELETE ON subscriptions
	FOR EACH ROW WHEN (OLD.status = 'active' AND OLD.billing = 'subscription') EXECUTE FUNCTION recurring_totals_sub();
CREATE TRIGGER recurring_totals_sub_au AFTER UPDATE OF status, billing, price, quantity, period, contract_id ON subscriptions
	FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.billing IS DISTINCT FROM NEW.billing OR OLD.price IS DISTINCT FROM NEW.price
		OR OLD.quantity IS DISTINCT FROM NEW.quantity OR OLD.period IS DISTINCT FROM NEW.period OR OLD.contract_id IS DISTINCT FROM NEW.contract_id)
	EXECUTE FUNCTION recurring_totals_sub();
CREATE TRIGGER recurring_totals_contract_au AFTER UPDATE OF status ON contracts
	FOR EACH ROW WHEN ((OLD.status = 'active') <> (NEW.status = 'active')) EXECUTE FUNCTION recurring_totals_contract();
