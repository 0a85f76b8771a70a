-- Rate windows without unnesting and sorting every hit (tx.rate.hit and tx.rate.recent).
-- A window's hits are kept in time order, so the hits that left the window are at its front:
-- a hit drops them and counts the rest by position, without unnesting and sorting the whole
-- array, and `recent` finds the first hit inside the window by halving. The counters whose
-- window ended are found through an index on when they end, instead of a scan of every
-- counter on every hit.

UPDATE rates SET times = (SELECT coalesce(array_agg(t ORDER BY t), '{}') FROM unnest(times) AS t);
ALTER TABLE rates ADD COLUMN expires_at bigint GENERATED ALWAYS AS (times[cardinality(times)] + window_ms) STORED;
CREATE INDEX rates_expiry ON rates (expires_at);
-- Written whole at every hit: not worth compressing each time.
ALTER TABLE rates ALTER COLUMN times SET STORAGE EXTERNAL;

CREATE OR REPLACE FUNCTION mailbot_rate_hit(p_key text, p_window bigint, p_limit integer, p_now bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  kept bigint[];
  n integer;
  first integer := 1;
  allowed boolean;
BEGIN
  SELECT times INTO kept FROM rates WHERE key = p_key FOR UPDATE;
  IF NOT FOUND THEN
    -- A key two transactions create at once: the second waits here for the first, then reads its row.
    INSERT INTO rates (key, window_ms, times) VALUES (p_key, p_window, '{}') ON CONFLICT (key) DO NOTHING;
    SELECT times INTO kept FROM rates WHERE key = p_key FOR UPDATE;
  END IF;
  n := coalesce(cardinality(kept), 0);
  WHILE first <= n AND kept[first] <= p_now - p_window LOOP
    first := first + 1;
  END LOOP;
  allowed := n - first + 1 < p_limit;
  IF n = 0 OR kept[n] <= p_now THEN
    kept := kept[first:n] || p_now;
  ELSE
    -- A clock behind the one that wrote the last hit (another daemon's): the hit goes in its place.
    SELECT array_agg(t ORDER BY t) INTO kept FROM unnest(kept[first:n] || p_now) AS t;
  END IF;
  IF p_limit > 0 AND cardinality(kept) > p_limit THEN
    kept := kept[cardinality(kept) - p_limit + 1 : cardinality(kept)];
  END IF;
  UPDATE rates SET window_ms = p_window, times = kept WHERE key = p_key;
  DELETE FROM rates WHERE expires_at <= p_now;
  RETURN allowed;
END
$$;

CREATE FUNCTION mailbot_rate_recent(p_key text, p_since bigint) RETURNS integer
LANGUAGE plpgsql STABLE AS $$
DECLARE
  kept bigint[];
  n integer;
  lo integer := 1;
  hi integer;
  mid integer;
BEGIN
  SELECT times INTO kept FROM rates WHERE key = p_key;
  n := coalesce(cardinality(kept), 0);
  hi := n + 1;
  -- The first hit after p_since: the hits are in time order.
  WHILE lo < hi LOOP
    mid := (lo + hi) / 2;
    IF kept[mid] > p_since THEN
      hi := mid;
    ELSE
      lo := mid + 1;
    END IF;
  END LOOP;
  RETURN n - lo + 1;
END
$$;
