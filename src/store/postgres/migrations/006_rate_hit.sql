-- A rate window's hit in one statement (tx.rate.hit): the row locked, the hits still in the window
-- counted against the limit, this one appended, the array cut to the last `p_limit` hits; then the
-- counters whose window ended go, so the table keeps live ones only. The same steps as before,
-- in one round trip instead of four, with no array sent to the client and back.
CREATE FUNCTION mailbot_rate_hit(p_key text, p_window bigint, p_limit integer, p_now bigint) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
  kept bigint[];
  allowed boolean;
BEGIN
  -- A key two transactions create at once: the second waits here for the first, then sees its row.
  INSERT INTO rates (key, window_ms, times) VALUES (p_key, p_window, '{}') ON CONFLICT (key) DO NOTHING;
  PERFORM 1 FROM rates WHERE key = p_key FOR UPDATE;
  SELECT coalesce(array_agg(u.t ORDER BY u.n), '{}') INTO kept
    FROM rates r, unnest(r.times) WITH ORDINALITY AS u(t, n)
   WHERE r.key = p_key AND u.t > p_now - p_window;
  allowed := cardinality(kept) < p_limit;
  kept := kept || p_now;
  IF p_limit > 0 AND cardinality(kept) > p_limit THEN
    kept := kept[cardinality(kept) - p_limit + 1 : cardinality(kept)];
  END IF;
  UPDATE rates SET window_ms = p_window, times = kept WHERE key = p_key;
  DELETE FROM rates WHERE times[cardinality(times)] <= p_now - rates.window_ms;
  RETURN allowed;
END
$$;
