-- Incidents started in [from, to): a tenant's anomalies of one key, each within {window_ms} of
-- the one before it. An anomaly {window_ms} or more after the previous one of its key (or the
-- first) starts an incident, named by that anomaly's id; reading from {from} − {window_ms} is
-- enough to tell whether one at or after {from} starts one. An incident is open at {to} when its
-- last anomaly is less than {window_ms} before it, closed after that quiet window. Filters
-- ('': any): {state}, {key}, {incident}. Newest first, paged by offset.
WITH
    gaps AS (
        SELECT
            tenant,
            key,
            anomaly_id,
            time,
            type,
            kind,
            score,
            severity,
            toUnixTimestamp64Milli(time)
                - toUnixTimestamp64Milli(lagInFrame(time, 1, toDateTime64(0, 3, 'UTC'))
                    OVER (PARTITION BY tenant, key ORDER BY time, anomaly_id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))
                >= {window_ms:UInt64} AS starts
        FROM anomalies FINAL
        WHERE time >= {from:DateTime64(3, 'UTC')} - toIntervalMillisecond({window_ms:UInt64}) AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND ({key:String} = '' OR key = {key:String})
    ),
    chained AS (
        SELECT *, sum(starts) OVER (PARTITION BY tenant, key ORDER BY time, anomaly_id ROWS UNBOUNDED PRECEDING) AS chain
        FROM gaps
    ),
    incidents AS (
        SELECT
            tenant,
            key,
            argMin(anomaly_id, (time, anomaly_id)) AS incident_id,
            min(time) AS first_time,
            max(time) AS last_time,
            count() AS anomalies,
            max(score) AS max_score,
            argMax(severity, score) AS severity,
            arraySort(groupUniqArray(type)) AS types,
            arraySort(groupUniqArray(kind)) AS kinds,
            arrayMap(a -> a.2, arraySort(groupArray((time, anomaly_id)))) AS anomaly_ids,
            if(toUnixTimestamp64Milli({to:DateTime64(3, 'UTC')}) - toUnixTimestamp64Milli(last_time) < {window_ms:UInt64}, 'open', 'closed') AS state
        FROM chained
        GROUP BY tenant, key, chain
    )
SELECT incident_id, tenant, key, state, first_time, last_time, anomalies, max_score, severity, types, kinds, anomaly_ids
FROM incidents
WHERE first_time >= {from:DateTime64(3, 'UTC')}
  AND ({state:String} = '' OR state = {state:String})
  AND ({incident:String} = '' OR incident_id = {incident:String})
ORDER BY first_time DESC, incident_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
