-- The per-kind tables, now carried over into `events` (0006). Apart from 0006 so that a crash
-- in the middle of 0006 can run it again while these still hold the data.
DROP TABLE IF EXISTS auth_events;
DROP TABLE IF EXISTS policy_events;
DROP TABLE IF EXISTS posture_events;
DROP TABLE IF EXISTS token_events;
