-- The principal's events of every kind: one wide table (migration 0006). A mutation, not a
-- lightweight DELETE: the parts are rewritten without the rows, so the bytes leave the disk once
-- the mutation is done (old parts go after old_parts_lifetime), not at some later merge.
-- mutations_sync = 2: the statement returns when every replica has applied it.
SELECT count() AS n FROM events
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String});

ALTER TABLE events DELETE
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String})
SETTINGS mutations_sync = 2;
