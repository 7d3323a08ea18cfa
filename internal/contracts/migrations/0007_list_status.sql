-- The staff's contract and quote lists filtered by status, walked by keyset newest
-- first (ListContractsBefore, ListQuotesBefore): a page reads its rows from the index
-- instead of every contract or quote (issue 16).
CREATE INDEX contracts_status ON contracts (status, id);
CREATE INDEX quotes_status ON quotes (status, id);
