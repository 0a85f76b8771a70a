-- The head of the audit trail's hash chain (audit/chain.ts): one row, locked
-- by every transaction that appends to the trail, so the lines of all the
-- daemons sharing the database form one chain in commit order.
CREATE TABLE audit_chain (
  id   smallint PRIMARY KEY CHECK (id = 1),
  seq  bigint NOT NULL,
  mac  text NOT NULL
);
INSERT INTO audit_chain (id, seq, mac) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
