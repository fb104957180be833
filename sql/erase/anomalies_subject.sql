-- Anomalies about the principal go whole: a burst keyed by the principal, and a token or
-- session replay of the principal's own credential (the context it was issued to names them).
SELECT count() AS n FROM anomalies
WHERE ({tenant:String} = '' OR tenant = {tenant:String})
  AND (key = concat('principal:', {principal:String})
       OR (type = 'token_replay' AND JSONExtractString(evidence, 'baseline', 'principal') = {principal:String}));

ALTER TABLE anomalies DELETE
WHERE ({tenant:String} = '' OR tenant = {tenant:String})
  AND (key = concat('principal:', {principal:String})
       OR (type = 'token_replay' AND JSONExtractString(evidence, 'baseline', 'principal') = {principal:String}))
SETTINGS mutations_sync = 2;
