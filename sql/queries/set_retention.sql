-- Applies the configured retention to a table that exists already (CREATE applied it to new ones).
-- Metadata only: existing parts are trimmed by background merges, not rewritten now.
ALTER TABLE {table:Identifier} MODIFY TTL toDate({time_column:Identifier}) + toIntervalDay({retention_days:UInt32})
SETTINGS materialize_ttl_after_modify = 0
