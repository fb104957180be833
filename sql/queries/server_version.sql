-- The server's version, for `ztna doctor`.
SELECT version() AS version
