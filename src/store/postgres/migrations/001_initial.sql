-- mailbot store, version 1. Records are kept as JSON (jsonb) beside the
-- columns the store looks them up by; constraints hold the invariants a
-- second time under the checks of the store's code (invariants.ts).

CREATE TABLE clients (
  id          text PRIMARY KEY,
  record      jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Invariant 16: an address belongs to at most one client.
CREATE TABLE client_emails (
  email      text PRIMARY KEY CHECK (email = lower(email)),
  client_id  text NOT NULL REFERENCES clients (id) ON DELETE CASCADE
);
CREATE INDEX client_emails_client ON client_emails (client_id);

-- Invariant 6: a series moves forward only (checked by the store under a lock on the client row).
CREATE TABLE series (
  client_id        text NOT NULL REFERENCES clients (id),
  series_key       text NOT NULL,
  last             integer NOT NULL CHECK (last >= 1),
  last_issue_date  text NOT NULL,
  PRIMARY KEY (client_id, series_key)
);

CREATE TABLE batches (
  id            uuid PRIMARY KEY,
  client_id     text NOT NULL REFERENCES clients (id),
  file_sha256   text NOT NULL,
  committed_at  timestamptz NOT NULL,
  record        jsonb NOT NULL,
  -- Invariant 8: the same bytes from the same seller are one batch.
  UNIQUE (client_id, file_sha256)
);
CREATE INDEX batches_client ON batches (client_id, committed_at);

-- The invoice register: one row per number, never two (invariant 6).
CREATE TABLE invoices (
  client_id    text NOT NULL,
  number       text NOT NULL,
  batch_id     uuid NOT NULL REFERENCES batches (id),
  series       text,
  seq          integer,
  issue_date   text NOT NULL,
  total        text NOT NULL,
  buyer_email  text,
  PRIMARY KEY (client_id, number)
);
CREATE INDEX invoices_series ON invoices (client_id, series, seq);
CREATE INDEX invoices_buyer ON invoices (lower(buyer_email)) WHERE buyer_email IS NOT NULL;

-- Stored files (PDFs, reports, source CSVs, queued replies): every daemon serves them.
CREATE TABLE files (
  name        text PRIMARY KEY,
  content     bytea NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE requests (
  ref          text PRIMARY KEY,
  requester    text NOT NULL,
  kind         text NOT NULL,
  status       text NOT NULL,
  received_at  timestamptz NOT NULL,
  record       jsonb NOT NULL
);
-- One open request per kind and address.
CREATE UNIQUE INDEX requests_one_open ON requests (requester, kind) WHERE status IN ('awaiting-confirmation', 'confirmed');
CREATE INDEX requests_requester ON requests (requester);

CREATE TABLE request_seq (
  year  integer PRIMARY KEY,
  last  integer NOT NULL
);

-- The processed-mail ledger. A daemon claims a mail by its key before any
-- work: two daemons on one mailbox never handle one mail twice.
CREATE TABLE ledger (
  key            text PRIMARY KEY,
  state          text NOT NULL CHECK (state IN ('claimed', 'handled', 'moved')),
  node           text,
  attempts       integer NOT NULL DEFAULT 0,
  error          text,
  outcome        text,
  folder         text,
  client_id      text,
  message_id     text,
  first_seen_at  timestamptz NOT NULL,
  updated_at     timestamptz NOT NULL,
  entry          jsonb
);
CREATE INDEX ledger_state ON ledger (state) WHERE state <> 'moved';
CREATE INDEX ledger_client ON ledger (client_id);
CREATE INDEX ledger_outcome ON ledger (outcome);

CREATE TABLE set_aside (
  key    text PRIMARY KEY,
  error  text NOT NULL,
  at     timestamptz NOT NULL
);

CREATE TABLE outbox (
  id               uuid PRIMARY KEY,
  state            text NOT NULL,
  next_attempt_at  timestamptz NOT NULL,
  created_at       timestamptz NOT NULL,
  taken_by         text,
  taken_until      timestamptz,
  entry            jsonb NOT NULL
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE state = 'queued';

CREATE TABLE rates (
  key        text PRIMARY KEY,
  window_ms  bigint NOT NULL,
  times      bigint[] NOT NULL
);

CREATE TABLE counters (
  name   text PRIMARY KEY,
  value  bigint NOT NULL
);

CREATE TABLE audit (
  seq        bigserial PRIMARY KEY,
  at         timestamptz NOT NULL,
  action     text NOT NULL,
  client_id  text,
  entry      jsonb NOT NULL
);
CREATE INDEX audit_at ON audit (at);
CREATE INDEX audit_client ON audit (client_id);

-- The daemons sharing the database: a claim of a daemon whose heartbeat stopped can be taken over.
CREATE TABLE nodes (
  node          text PRIMARY KEY,
  pid           integer NOT NULL,
  heartbeat_at  timestamptz NOT NULL,
  status        jsonb NOT NULL
);
