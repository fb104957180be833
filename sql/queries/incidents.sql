-- Incidents started in [from, to): a tenant's anomalies and pages of one key, each within
-- {window_ms} of the one before it. An anomaly or page {window_ms} or more after the previous one
-- of its key (or the first) starts an incident, named by its id; reading from {from} − {window_ms}
-- is enough to tell whether one at or after {from} starts one. A page (alert_pages, from
-- Alertmanager) counts from its start, scores 90 when it pages (severity "page") and 50 when it
-- files a ticket, and lasts until it resolves. An incident is open at {to} while one of its
-- pages fires or its last anomaly or page ended less than {window_ms} before it, closed after
-- that quiet window. Filters ('': any): {state}, {key}, {incident}. Newest first, paged by offset.
WITH
    signals AS (
        SELECT tenant, key, anomaly_id AS id, time, type, kind, score, severity, 0 AS is_page, time AS until, 0 AS firing
        FROM anomalies FINAL
        WHERE time >= {from:DateTime64(3, 'UTC')} - toIntervalMillisecond({window_ms:UInt64}) AND time < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND ({key:String} = '' OR key = {key:String})
        UNION ALL
        SELECT
            tenant, key, page_id AS id, starts_at AS time, 'page' AS type, alertname AS kind,
            toUInt8(if(alert_pages.severity = 'page', 90, 50)) AS score, if(alert_pages.severity = 'page', 'critical', 'medium') AS severity,
            1 AS is_page, greatest(starts_at, ifNull(ends_at, starts_at)) AS until, status = 'firing' AS firing
        FROM alert_pages FINAL
        WHERE starts_at >= {from:DateTime64(3, 'UTC')} - toIntervalMillisecond({window_ms:UInt64}) AND starts_at < {to:DateTime64(3, 'UTC')}
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
          AND ({key:String} = '' OR key = {key:String})
    ),
    gaps AS (
        SELECT
            *,
            toUnixTimestamp64Milli(time)
                - toUnixTimestamp64Milli(lagInFrame(time, 1, toDateTime64(0, 3, 'UTC'))
                    OVER (PARTITION BY tenant, key ORDER BY time, id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW))
                >= {window_ms:UInt64} AS starts
        FROM signals
    ),
    chained AS (
        SELECT *, sum(starts) OVER (PARTITION BY tenant, key ORDER BY time, id ROWS UNBOUNDED PRECEDING) AS chain
        FROM gaps
    ),
    incidents AS (
        SELECT
            tenant,
            key,
            argMin(id, (time, id)) AS incident_id,
            min(time) AS first_time,
            max(until) AS last_time,
            countIf(is_page = 0) AS anomalies,
            countIf(is_page = 1) AS pages,
            max(score) AS max_score,
            argMax(severity, score) AS severity,
            arraySort(groupUniqArray(type)) AS types,
            arraySort(groupUniqArray(kind)) AS kinds,
            arrayMap(a -> a.2, arraySort(groupArrayIf((time, id), is_page = 0))) AS anomaly_ids,
            arrayMap(a -> a.2, arraySort(groupArrayIf((time, id), is_page = 1))) AS page_ids,
            if(max(firing) = 1
                OR toUnixTimestamp64Milli({to:DateTime64(3, 'UTC')}) - toUnixTimestamp64Milli(last_time) < {window_ms:UInt64}, 'open', 'closed') AS state
        FROM chained
        GROUP BY tenant, key, chain
    )
SELECT incident_id, tenant, key, state, first_time, last_time, anomalies, pages, max_score, severity, types, kinds, anomaly_ids, page_ids
FROM incidents
WHERE first_time >= {from:DateTime64(3, 'UTC')}
  AND ({state:String} = '' OR state = {state:String})
  AND ({incident:String} = '' OR incident_id = {incident:String})
ORDER BY first_time DESC, incident_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
