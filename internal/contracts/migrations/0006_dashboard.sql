-- The staff dashboard's figures (issue 16): the monthly recurring revenue sums the
-- running subscriptions from this covering index, never every subscription ever sold;
-- today's orders are the running contracts concluded today, found by date and status.
CREATE INDEX subscriptions_mrr ON subscriptions (status, billing, period, contract_id, price, quantity);
CREATE INDEX contracts_concluded ON contracts (concluded_on, status, id);
