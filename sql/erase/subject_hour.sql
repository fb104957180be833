-- The trail's look-up of subjects (migration 0017): the hours in which the principal's sessions,
-- tokens, addresses and devices were seen, and the principal's own hours.
SELECT count() AS n FROM subject_hour
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String});

ALTER TABLE subject_hour DELETE
WHERE principal_id = {principal:String} AND ({tenant:String} = '' OR tenant = {tenant:String})
SETTINGS mutations_sync = 2;
