-- The over-privilege rollup (migration 0021): the apps the principal was allowed into, per day.
SELECT count() AS n FROM principal_app_day
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String});

ALTER TABLE principal_app_day DELETE
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String})
SETTINGS mutations_sync = 2;
