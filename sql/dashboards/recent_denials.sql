-- The newest denials with who, what, which policy and why. The per-minute denial counts say
-- from which minute on the newest 200 lie, so only those hours of decisions are read.
WITH
    (
        SELECT min(minute)
        FROM
        (
            SELECT minute, denials, sum(denials) OVER (ORDER BY minute DESC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS newest
            FROM
            (
                SELECT minute, sum(denials) AS denials
                FROM denial_minute_counts(from = {from:DateTime64(3, 'UTC')}, to = {to:DateTime64(3, 'UTC')})
                WHERE {tenant:String} = '' OR tenant = {tenant:String}
                GROUP BY minute
            )
        )
        WHERE newest - denials < 200
    ) AS since
SELECT time, tenant, principal_id, app, policy_id, policy_version, rule, arrayStringConcat(reasons, '; ') AS reasons, src_ip, device_id
FROM events FINAL
WHERE kind = 'policy'
  AND toStartOfHour(time) BETWEEN toStartOfHour(greatest({from:DateTime64(3, 'UTC')}, since)) AND toStartOfHour({to:DateTime64(3, 'UTC')} - INTERVAL 1 MILLISECOND)
  AND time >= {from:DateTime64(3, 'UTC')} AND time >= since AND time < {to:DateTime64(3, 'UTC')}
  AND decision = 'deny'
  AND ({tenant:String} = '' OR tenant = {tenant:String})
ORDER BY time DESC
LIMIT 200
