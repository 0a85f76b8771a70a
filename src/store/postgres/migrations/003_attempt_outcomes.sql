-- How each attempt on a mail ended: an error, or the end of the daemon that
-- held it (a crash). A mail is retried alone after a crash; one that ends
-- the daemon while handled alone is set aside, the mails beside it are not.
ALTER TABLE ledger
  ADD COLUMN errors integer NOT NULL DEFAULT 0,
  ADD COLUMN crashes integer NOT NULL DEFAULT 0,
  ADD COLUMN solo_crash boolean NOT NULL DEFAULT false,
  ADD COLUMN in_attempt boolean NOT NULL DEFAULT false,
  ADD COLUMN solo boolean NOT NULL DEFAULT false;

-- A mail set aside is found again in its folder by its Message-ID's keyed hash (`mailbot retry`).
ALTER TABLE set_aside ADD COLUMN message_id text;
