-- Access held but no longer used (the guide's F10), from migration 0021's allowed apps per day:
-- a principal and app allowed in [from, recent_from) and not since, while the principal was
-- allowed into other apps in [recent_from, to) (still active, so not a departed account). Whole
-- UTC days. The sources carry decisions, not entitlements: a past allow is the evidence that the
-- policy lets them in, and it may have been revoked since without an event saying so. Oldest
-- last use first; paged by offset.
WITH
    pairs AS (
        SELECT tenant, principal_id, app, min(day) AS first_allowed, max(day) AS last_allowed
        FROM principal_app_day
        WHERE day BETWEEN toDate({from:DateTime64(3, 'UTC')}) AND toDate({to:DateTime64(3, 'UTC')} - toIntervalMillisecond(1))
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
        GROUP BY tenant, principal_id, app
    ),
    active AS (
        SELECT tenant, principal_id, max(last_allowed) AS last_active, countIf(last_allowed >= toDate({recent_from:DateTime64(3, 'UTC')})) AS apps_used
        FROM pairs
        GROUP BY tenant, principal_id
    )
SELECT p.tenant AS tenant, p.principal_id AS principal_id, p.app AS app, p.first_allowed AS first_allowed,
       p.last_allowed AS last_allowed, a.last_active AS last_active, a.apps_used AS apps_used
FROM pairs AS p
INNER JOIN active AS a ON a.tenant = p.tenant AND a.principal_id = p.principal_id
WHERE p.last_allowed < toDate({recent_from:DateTime64(3, 'UTC')}) AND a.apps_used > 0
ORDER BY last_allowed, tenant, principal_id, app
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
