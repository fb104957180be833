-- Access outside the peers' pattern (the guide's F10), from migration 0021's allowed apps per day:
-- the apps a principal was allowed into in [from, to) that fewer than {max_share} of their
-- tenant's principals (those allowed into anything in the range) reached, in tenants with at
-- least {min_principals} of them (below that a share says little). The peers are the whole tenant:
-- the sources' decisions name no group or role the principal holds. Whole UTC days. Rarest first;
-- paged by offset.
WITH
    pairs AS (
        SELECT DISTINCT tenant, principal_id, app
        FROM principal_app_day
        WHERE day BETWEEN toDate({from:DateTime64(3, 'UTC')}) AND toDate({to:DateTime64(3, 'UTC')} - toIntervalMillisecond(1))
          AND ({all_tenants:UInt8} OR tenant IN {tenants:Array(String)})
    ),
    apps AS (SELECT tenant, app, count() AS app_principals FROM pairs GROUP BY tenant, app),
    population AS (SELECT tenant, uniqExact(principal_id) AS tenant_principals FROM pairs GROUP BY tenant)
SELECT p.tenant AS tenant, p.principal_id AS principal_id, p.app AS app, a.app_principals AS app_principals,
       t.tenant_principals AS tenant_principals, a.app_principals / t.tenant_principals AS share
FROM pairs AS p
INNER JOIN apps AS a ON a.tenant = p.tenant AND a.app = p.app
INNER JOIN population AS t ON t.tenant = p.tenant
WHERE t.tenant_principals >= {min_principals:UInt32} AND share < {max_share:Float64}
ORDER BY share, tenant, app, principal_id
LIMIT {limit:UInt32} OFFSET {offset:UInt32}
