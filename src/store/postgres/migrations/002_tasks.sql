-- Work outside the store decided by a commit (a mailbox purge), kept until done.
CREATE TABLE tasks (
  id          uuid PRIMARY KEY,
  created_at  timestamptz NOT NULL,
  record      jsonb NOT NULL
);

-- The retention looks for batches that still hold more than the register.
CREATE INDEX batches_unminimized ON batches (committed_at) WHERE NOT (record ? 'minimizedAt');
