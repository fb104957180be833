-- Dead letters are records that could not be read, so they have no principal or tenant column:
-- a dead letter goes when its text names the principal as a whole word ({pattern} is built by
-- the caller: the id escaped, case-insensitive, not inside a longer id), whatever the tenant.
SELECT count() AS n FROM rejected_events WHERE match(raw, {pattern:String});

ALTER TABLE rejected_events DELETE WHERE match(raw, {pattern:String})
SETTINGS mutations_sync = 2;
