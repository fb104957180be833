-- The denial rollup (migration 0009) is per principal: the risk summary's riskiest subjects and
-- the denial panels read it. Its rows of the principal go; the other principals' rows are theirs.
SELECT count() AS n FROM denial_minute
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String});

ALTER TABLE denial_minute DELETE
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String})
SETTINGS mutations_sync = 2;
