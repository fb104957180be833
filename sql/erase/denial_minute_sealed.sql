-- The sealed denial counts (migration 0015) name the principal as the rollup does.
SELECT count() AS n FROM denial_minute_sealed
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String});

ALTER TABLE denial_minute_sealed DELETE
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String})
SETTINGS mutations_sync = 2;
