-- The principal-picker rollup (migration 0010): the hours in which the principal signed in.
SELECT count() AS n FROM principal_hour
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String});

ALTER TABLE principal_hour DELETE
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String})
SETTINGS mutations_sync = 2;
