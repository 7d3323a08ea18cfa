-- The staff's audit trail filtered by kind of actor, newest first by keyset: a range
-- of this index instead of every newer entry (issue 16).
CREATE INDEX audit_entries_actor_kind ON audit_entries (actor_kind, seq);
