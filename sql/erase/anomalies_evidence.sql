-- Anomalies about something else (a network, an app, a policy, a tenant, another principal's
-- credential) stay, for the others they concern: only the principal's events leave their evidence.
-- The evidence's `events` array is replaced by its other events; its other fields are kept as
-- they are. The risk summary ranks subjects by the principals in evidence, so this is what takes
-- the principal off it.
SELECT count() AS n FROM anomalies
WHERE ({tenant:String} = '' OR tenant = {tenant:String})
  AND has(arrayMap(e -> JSONExtractString(e, 'principal_id'), JSONExtractArrayRaw(evidence, 'events')), {principal:String});

ALTER TABLE anomalies UPDATE evidence = replaceOne(
    evidence,
    JSONExtractRaw(evidence, 'events'),
    concat('[', arrayStringConcat(arrayFilter(e -> JSONExtractString(e, 'principal_id') != {principal:String},
                                              JSONExtractArrayRaw(evidence, 'events')), ','), ']'))
WHERE ({tenant:String} = '' OR tenant = {tenant:String})
  AND has(arrayMap(e -> JSONExtractString(e, 'principal_id'), JSONExtractArrayRaw(evidence, 'events')), {principal:String})
SETTINGS mutations_sync = 2;
