-- The approved platform: each invoice's deposit and lifecycle (platform/records.ts), and where each
-- seller's lifecycle poll resumes. The record is the whole PlatformFlow; the columns beside it are
-- what the queue and the listings look up.
CREATE TABLE platform_flows (
  client_id        text NOT NULL,
  number           text NOT NULL,
  state            text NOT NULL,
  next_attempt_at  text NOT NULL,
  lease_until      text,
  flow_id          text,
  status           integer,
  record           jsonb NOT NULL,
  PRIMARY KEY (client_id, number)
);
CREATE INDEX platform_flows_due ON platform_flows (next_attempt_at) WHERE state = 'queued';
CREATE INDEX platform_flows_flow ON platform_flows (client_id, flow_id);

CREATE TABLE platform_cursors (
  client_id      text PRIMARY KEY,
  updated_after  text NOT NULL
);
