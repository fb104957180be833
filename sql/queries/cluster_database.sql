-- The database this session works in, and the one the servers run distributed DDL in on the other
-- nodes (their default_database): the cluster layout's DDL names its tables without a database.
SELECT currentDatabase() AS current, (SELECT value FROM system.server_settings WHERE name = 'default_database') AS server_default
