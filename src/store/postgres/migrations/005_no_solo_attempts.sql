-- A process death is never charged to a mail (invariant 23): whether a mail
-- was handled alone when its process died decides nothing any more.
ALTER TABLE ledger
  DROP COLUMN solo_crash,
  DROP COLUMN solo;
